package dev.parley.app;

import dev.parley.app.ShellCommand.Completion;
import dev.parley.client.chat.ChatListener;
import dev.parley.client.chat.ChatMessage;
import dev.parley.client.chat.ChatService;
import dev.parley.client.chat.Contact;
import dev.parley.client.chat.MessageStatus;
import dev.parley.client.chat.Presence;
import dev.parley.client.chat.PresenceStatus;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The shell's contacts, presence and messages: the commands ({@code contacts}, {@code add},
 * {@code accept}, {@code decline}, {@code presence}, {@code msg}, {@code history}) and the listener
 * that prints what arrives (requests and messages ring the bell) and keeps the prompt's presence.
 */
final class ChatCommands implements ChatListener {
    /** Messages {@code history NAME} shows unless told otherwise. */
    static final int DEFAULT_HISTORY = 20;
    /** At most this many messages per {@code history} (the store pages beyond). */
    static final int MAX_HISTORY = 500;
    private static final long WAIT_S = 10;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneId.systemDefault());

    private final ChatService chat;
    private final ShellView view;
    /** Contact names for TAB completion; refreshed from every event and listing. */
    private final Set<String> contacts = ConcurrentHashMap.newKeySet();
    private volatile Presence own = new Presence(PresenceStatus.ONLINE, "");

    ChatCommands(ChatService chat, ShellView view) {
        this.chat = chat;
        this.view = view;
    }

    /** Reads the contact list and own presence, starts listening and adds the commands to {@code commands}. */
    void install(ShellCommands commands) throws Exception {
        own = chat.presence().get(WAIT_S, TimeUnit.SECONDS);
        chat.contacts().get(WAIT_S, TimeUnit.SECONDS).forEach(c -> contacts.add(c.username()));
        view.presence(this::presenceLine);
        chat.addListener(this);
        commands.names(() -> contacts);
        commands.add(new ShellCommand("contacts", "", "your contacts, their presence, and requests waiting",
                "Lists your contacts with their presence (online, away, busy, offline) and status text, the\n"
                        + "requests you sent that wait for an answer, and the requests waiting for yours.",
                Completion.NONE, arg -> listContacts()));
        commands.add(new ShellCommand("add", "NAME [NOTE]", "ask NAME to become a contact",
                "Sends NAME a contact request, with an optional note. Once NAME accepts, you see each other's\n"
                        + "presence and can exchange messages. NAME must have been online once (for their key).",
                Completion.USER, arg -> {
                    String[] w = words(arg, "add NAME [NOTE]");
                    chat.requestContact(w[0], w.length > 1 ? w[1] : "").get(WAIT_S, TimeUnit.SECONDS);
                    contacts.add(w[0].toLowerCase(Locale.ROOT));
                    view.notice("contact request sent to " + w[0]);
                }));
        commands.add(new ShellCommand("accept", "NAME", "accept NAME's contact request",
                "Accepts the contact request from NAME: from then on you see each other's presence and can\n"
                        + "exchange messages.", Completion.USER, arg -> answer(arg, true)));
        commands.add(new ShellCommand("decline", "NAME", "decline NAME's contact request",
                "Declines the contact request from NAME; further requests from NAME are dropped.",
                Completion.USER, arg -> answer(arg, false)));
        commands.add(new ShellCommand("presence", "[STATUS [TEXT]]", "show or set your presence",
                "presence alone shows yours. presence online|away|busy|invisible [TEXT] sets it, with an optional\n"
                        + "status text, and tells your contacts at once. Invisible: you appear offline to them.",
                Completion.WORDS, List.of("online", "away", "busy", "invisible"), this::presence));
        commands.add(new ShellCommand("msg", "NAME TEXT", "send NAME a message",
                "Sends TEXT to the contact NAME, end-to-end encrypted. If NAME is offline, super nodes keep it\n"
                        + "(up to 30 days) until NAME comes online; 'history NAME' shows when it was delivered and read.",
                Completion.USER, arg -> {
                    String[] w = words(arg, "msg NAME TEXT");
                    if (w.length < 2) {
                        throw new IllegalArgumentException("usage: msg NAME TEXT");
                    }
                    ChatMessage m = chat.send(w[0], w[1]).get(WAIT_S, TimeUnit.SECONDS);
                    view.notice("you -> " + m.peer() + ": " + m.text());
                }));
        commands.add(new ShellCommand("history", "NAME [COUNT]", "your conversation with NAME",
                "Shows the last COUNT (default " + DEFAULT_HISTORY + ") messages with NAME, oldest first, with the time\n"
                        + "and the state of yours (queued, sent, delivered, read), and marks NAME's as read.",
                Completion.USER, this::history));
    }

    private void listContacts() throws Exception {
        List<Contact> list = chat.contacts().get(WAIT_S, TimeUnit.SECONDS);
        if (list.isEmpty()) {
            view.notice("no contacts yet; 'add NAME' asks someone");
            return;
        }
        StringBuilder b = new StringBuilder();
        for (Contact c : list) {
            contacts.add(c.username());
            String state = switch (c.state()) {
                case ACCEPTED -> describe(c.presence());
                case REQUESTED -> "request sent, waiting for an answer";
                case PENDING -> "asks to be your contact" + (c.requestText().isEmpty() ? "" : " (\"" + c.requestText() + "\")")
                        + ": 'accept " + c.username() + "' or 'decline " + c.username() + "'";
                case DECLINED_BY_THEM -> "declined your request";
                case DECLINED -> "you declined";
            };
            b.append(String.format("  %-20s %s%n", c.username(), state));
        }
        view.notice(b.toString().stripTrailing());
    }

    private void answer(String arg, boolean accept) throws Exception {
        String name = ShellCommands.required(arg, accept ? "accept NAME" : "decline NAME");
        chat.answerContact(name, accept).get(WAIT_S, TimeUnit.SECONDS);
        view.notice(accept ? name + " is now a contact" : "declined " + name + "'s request");
    }

    private void presence(String arg) throws Exception {
        if (arg.isEmpty()) {
            view.notice("you are " + describe(own));
            return;
        }
        String[] w = arg.split("\\s+", 2);
        PresenceStatus status = Arrays.stream(PresenceStatus.values()).filter(s -> s != PresenceStatus.OFFLINE)
                .filter(s -> s.name().equalsIgnoreCase(w[0])).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("presence: " + w[0] + " (expected: online, away, busy or invisible)"));
        String text = w.length > 1 ? w[1] : "";
        chat.setPresence(status, text).get(WAIT_S, TimeUnit.SECONDS);
        own = new Presence(status, text);
        view.presence(this::presenceLine);
    }

    private void history(String arg) throws Exception {
        String[] w = words(arg, "history NAME [COUNT]   (recent calls: 'calls')");
        int count = DEFAULT_HISTORY;
        if (w.length > 1) {
            try {
                count = Integer.parseInt(w[1].strip());
            } catch (NumberFormatException e) {
                count = -1;
            }
            if (count < 1 || count > MAX_HISTORY) {
                throw new IllegalArgumentException("history: COUNT " + w[1].strip() + " (expected: 1.." + MAX_HISTORY + ")");
            }
        }
        List<ChatMessage> messages = chat.history(w[0], count).get(WAIT_S, TimeUnit.SECONDS);
        if (messages.isEmpty()) {
            view.notice("no messages with " + w[0]);
            return;
        }
        StringBuilder b = new StringBuilder();
        for (ChatMessage m : messages) {
            b.append(String.format("  %s %s: %s%s%n", TIME.format(Instant.ofEpochMilli(m.sentAtMs())),
                    m.outgoing() ? "you" : m.peer(), m.text(), m.outgoing() ? "  [" + m.status().name().toLowerCase(Locale.ROOT) + "]" : ""));
        }
        view.notice(b.toString().stripTrailing());
        chat.markRead(w[0]);
    }

    /** @return {@code arg} split into the name and the rest; throws the usage when there is no name */
    private static String[] words(String arg, String usage) {
        return ShellCommands.required(arg, usage).split("\\s+", 2);
    }

    /** @return e.g. "online", "away: at lunch" */
    static String describe(Presence p) {
        String s = p.status().name().toLowerCase(Locale.ROOT);
        return p.text().isEmpty() ? s : s + ": " + p.text();
    }

    private String presenceLine() {
        return describe(own);
    }

    @Override
    public void onContactRequest(String from, String text) {
        contacts.add(from);
        view.alert("* " + from + " asks to be your contact" + (text.isEmpty() ? "" : ": \"" + text + "\"")
                + " - type 'accept " + from + "' or 'decline " + from + "'");
    }

    @Override
    public void onContactAnswered(String contact, boolean accepted) {
        contacts.add(contact);
        view.notice("* " + contact + (accepted ? " accepted your request: you are now contacts" : " declined your request"));
    }

    @Override
    public void onContactAddedElsewhere(String contact) {
        contacts.add(contact);
        view.notice("* " + contact + " is now a contact (accepted on another of your devices)");
    }

    @Override
    public void onPresence(String contact, Presence presence) {
        view.notice("* " + contact + " is " + describe(presence));
    }

    @Override
    public void onMessage(ChatMessage message) {
        if (message.outgoing()) { // sent from another of this account's devices
            view.notice("you (another device) -> " + message.peer() + ": " + message.text());
        } else {
            view.alert("[" + message.peer() + "] " + message.text());
        }
    }

    @Override
    public void onReceipt(String contact, String messageId, MessageStatus status) {
        // shown by 'history' ([delivered], [read]); a line per receipt would drown the conversation
    }

    @Override
    public void onContactNewDevice(String contact, String fingerprint) {
        view.alert("!!! " + contact + " has a NEW DEVICE: key " + fingerprint + ".\n"
                + "!!! If " + contact + " did not add one, someone may be in the middle. Check with " + contact
                + " by voice (a call's SAS).");
    }
}
