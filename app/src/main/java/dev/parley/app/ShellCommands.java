package dev.parley.app;

import dev.parley.app.ShellCommand.Completion;
import dev.parley.client.CallHistory;
import dev.parley.client.ParleyClient;
import dev.parley.client.call.CallKeys;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SearchResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The shell's commands, by name: {@code help} lists them and explains each one, tab completion
 * offers their names and arguments, and {@link #find} matches what was typed case-insensitively.
 */
final class ShellCommands {
    /** How many user names tab completion remembers from this session's searches and calls. */
    static final int MAX_REMEMBERED_NAMES = 1_000;
    private static final long SEARCH_TIMEOUT_S = 30;
    /** Calls the {@code calls} command lists. */
    static final int RECENT_CALLS = 20;

    private final Map<String, ShellCommand> commands = new LinkedHashMap<>();
    private final Set<String> names = ConcurrentHashMap.newKeySet();
    private volatile Supplier<? extends Collection<String>> contacts = List::of;
    private final ShellView view;

    /**
     * @param client the signed-in client the commands act on
     * @param audio where calls take their audio from and play it to
     * @param view where the commands print
     * @param printer the call listener, told about calls the shell places
     */
    ShellCommands(ParleyClient client, AudioOptions audio, ShellView view, CallPrinter printer) {
        this.view = view;
        add(new ShellCommand("help", "[COMMAND]", "list the commands, or explain one",
                "help lists every command; help COMMAND explains one. Commands are not case-sensitive,\n"
                        + "and TAB completes command names and user names.",
                Completion.COMMAND, this::help));
        add(new ShellCommand("search", "NAME", "is NAME online, and through which super node",
                "Searches the overlay for NAME: the super nodes ask each other until one knows where NAME\n"
                        + "is registered. Prints the super node and how many were contacted.",
                Completion.USER, arg -> search(client, required(arg, "search NAME"))));
        add(new ShellCommand("call", "NAME", "call NAME",
                "Calls NAME. Audio comes from --play FILE or the microphone and goes to --record FILE or the\n"
                        + "speakers. The prompt shows the call; 'hangup' ends it.",
                Completion.USER, arg -> {
                    String peer = required(arg, "call NAME");
                    remember(peer);
                    view.notice("calling " + peer + "...");
                    printer.calling(peer);
                    client.calls().call(peer, audio.source(), audio.sink()).thenAccept(r -> {
                        if (r.callId().isEmpty()) { // refused before it started: no call events will say why
                            printer.notPlaced(peer, r.endReason().toString());
                        }
                    });
                }));
        add(new ShellCommand("answer", "", "answer the ringing incoming call",
                "Answers the call that is ringing (the prompt says who is calling).",
                Completion.NONE, arg -> {
                    if (!client.calls().answer(audio.source(), audio.sink()).get()) {
                        view.notice("no incoming call");
                    }
                }));
        add(new ShellCommand("reject", "", "decline the ringing incoming call",
                "Declines the call that is ringing; the caller hears that you declined.",
                Completion.NONE, arg -> {
                    if (!client.calls().reject("").get()) {
                        view.notice("no incoming call");
                    }
                }));
        add(new ShellCommand("hangup", "", "end the current call (or stop calling)",
                "Ends the call in progress, or stops ringing the person you are calling.",
                Completion.NONE, arg -> {
                    if (!client.calls().hangup().get()) {
                        view.notice("no call");
                    }
                }));
        add(new ShellCommand("mute", "", "send silence instead of your voice",
                "Mutes your microphone (or --play file) in the current call: your peer hears silence until 'unmute'.",
                Completion.NONE, arg -> view.notice(client.calls().mute(true).get() ? "* muted: your peer hears silence" : "no call")));
        add(new ShellCommand("unmute", "", "send your voice again",
                "Ends 'mute': your peer hears you again.",
                Completion.NONE, arg -> view.notice(client.calls().mute(false).get() ? "* unmuted" : "no call")));
        add(new ShellCommand("hold", "", "put the current call on hold",
                "Stops the audio both ways and tells your peer the call is on hold; 'resume' goes on. While a\n"
                        + "call waits, 'answer' puts the current one on hold for you.",
                Completion.NONE, arg -> {
                    if (!client.calls().hold(true).get()) {
                        view.notice("no call with audio to hold");
                    }
                }));
        add(new ShellCommand("resume", "", "take the call off hold",
                "Resumes the call you put on hold (after a call waiting, the one you held to answer).",
                Completion.NONE, arg -> {
                    if (!client.calls().hold(false).get()) {
                        view.notice("no call on hold");
                    }
                }));
        add(new ShellCommand("calls", "", "recent calls, missed ones included",
                "Lists your last " + RECENT_CALLS + " calls: when, with whom, in or out, how long, and how they ended\n"
                        + "(kept in the data dir's calls.tsv).",
                Completion.NONE, arg -> view.notice(CallHistory.describe(client.history().recent(RECENT_CALLS).get(5, TimeUnit.SECONDS)))));
        add(new ShellCommand("stats", "", "live quality of the current call",
                "Prints the current call's round-trip time, loss, jitter, estimated MOS and its SAS\n"
                        + "(the short code both sides read aloud to check the encryption).",
                Completion.NONE, arg -> {
                    var stats = client.calls().stats().get(5, TimeUnit.SECONDS);
                    var security = client.calls().security().get(5, TimeUnit.SECONDS);
                    view.notice(stats == null ? "no call with media"
                            : (security == null ? "" : "SAS " + security.sas() + " | ") + stats.statusLine());
                }));
        add(new ShellCommand("devices", "[NAME]", "the devices your account (or a contact) is signed in on",
                "Lists every device signed in as you (up to 8; each has its own key, shown by its fingerprint),\n"
                        + "newest first. Calls ring all of them; the first to answer takes the call; messages reach\n"
                        + "all of them. With NAME: the devices of that contact your messages are sealed to.",
                Completion.USER, arg -> view.notice(arg.isBlank() ? ownDevices(client) : contactDevices(client, arg.strip()))));
        add(new ShellCommand("quit", "", "hang up and exit",
                "Hangs up the current call, if any, signs out and exits (also: exit, Ctrl-D).",
                Completion.NONE, arg -> { }));
    }

    private static String ownDevices(ParleyClient client) throws Exception {
        return String.join("\n", client.devices().get(SEARCH_TIMEOUT_S, TimeUnit.SECONDS).stream()
                .map(d -> "device " + CallKeys.fingerprint(d.getCredential().getPublicKey().toByteArray())
                        + (d.getCredential().getPublicKey().equals(client.credential().getPublicKey()) ? " (this one)" : "")
                        + " at super node " + HostPort.of(d.getSuperNode())).toList());
    }

    private static String contactDevices(ParleyClient client, String name) throws Exception {
        List<String> devices = client.chat().devices(name).get(SEARCH_TIMEOUT_S, TimeUnit.SECONDS);
        return devices.isEmpty() ? "no device of " + name + " known yet"
                : name + "'s devices: " + String.join(", ", devices);
    }

    /** Adds (or replaces) a command; {@code quit} stays last in the list. */
    void add(ShellCommand command) {
        commands.put(command.name(), command);
        ShellCommand quit = commands.remove("quit");
        if (quit != null) {
            commands.put("quit", quit);
        }
    }

    /** @return the command typed as {@code word}, in any case; null if there is none */
    @Nullable ShellCommand find(String word) {
        String name = word.toLowerCase(Locale.ROOT);
        return commands.get(name.equals("exit") ? "quit" : name);
    }

    /** @return every command, in the order {@code help} lists them */
    Collection<ShellCommand> all() {
        return commands.values();
    }

    /** @return the user names tab completion offers: contacts, and those searched for or called in this session */
    List<String> names() {
        Set<String> all = new TreeSet<>(names);
        all.addAll(contacts.get());
        return new ArrayList<>(all);
    }

    /** @param contacts the contact names tab completion offers too */
    void names(Supplier<? extends Collection<String>> contacts) {
        this.contacts = contacts;
    }

    /** Remembers a user name for tab completion (bounded: past the cap, new names are not kept). */
    void remember(String name) {
        if (names.size() < MAX_REMEMBERED_NAMES) {
            names.add(name.toLowerCase(Locale.ROOT));
        }
    }

    private void help(String arg) {
        if (!arg.isEmpty()) {
            ShellCommand c = find(arg);
            view.notice(c == null ? "no command '" + arg + "'; type 'help' for the list" : c.usage() + "\n" + c.help());
            return;
        }
        int width = commands.values().stream().mapToInt(c -> c.usage().length()).max().orElse(0) + 2;
        StringBuilder text = new StringBuilder();
        for (ShellCommand c : commands.values()) {
            text.append(String.format("%-" + width + "s%s%n", c.usage(), c.summary()));
        }
        view.notice(text + "Type 'help COMMAND' for more about one; TAB completes commands and names.");
    }

    private void search(ParleyClient client, String name) throws Exception {
        remember(name);
        SearchResult r = client.search(name).get(SEARCH_TIMEOUT_S, TimeUnit.SECONDS);
        view.notice(r.getFound()
                ? name + " is online at super node " + HostPort.of(r.getRecord().getSuperNode())
                        + " (" + r.getSupernodesContacted() + " super nodes contacted, " + r.getElapsedMs() + " ms)"
                : name + " is not online (" + r.getSupernodesContacted() + " super nodes contacted)");
    }

    /** @return {@code arg}, or throws the usage when it is empty */
    static String required(String arg, String usage) {
        if (arg.isEmpty()) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        return arg;
    }
}
