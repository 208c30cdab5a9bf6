package dev.parley.app;

import dev.parley.client.CallHistory;
import dev.parley.client.ParleyClient;
import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallPhase;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.CallSecurity;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SearchResult;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/** The interactive client shell (JLine): search, call, answer, reject, hang up. */
final class Shell {
    /** Where call events are printed; swapped for the line reader's printAbove once the shell runs. */
    private static volatile Consumer<String> out = System.out::println;
    /** The user the shell is calling, so its RINGING is not announced as an incoming call. */
    private static volatile String calling;

    private final ParleyClient client;
    private final AudioOptions audio;

    Shell(ParleyClient client, AudioOptions audio) {
        this.client = client;
        this.audio = audio;
    }

    /** @return a listener that prints call progress (ringing, answered, ended) */
    static CallListener printingListener() {
        return new CallListener() {
            @Override
            public void onPhase(String callId, String peer, CallPhase phase) {
                switch (phase) {
                    case CallPhase.Ringing r -> out.accept(peer.equals(calling) ? "* " + peer + "'s phone is ringing"
                            : "* incoming call from " + peer + ": type 'answer' or 'reject'");
                    case CallPhase.Active a -> out.accept("* in a call with " + peer + " (" + a.path() + "; type 'hangup' to end)");
                    case CallPhase.Recovering r -> out.accept("* media path lost (" + r.reason() + "); reconnecting");
                    default -> { }
                }
            }

            @Override
            public void onMediaProblem(String callId, String peer, String message) {
                out.accept("* audio: " + message);
            }

            @Override
            public void onSecured(String callId, String peer, CallSecurity security) {
                out.accept("* end-to-end encrypted; SAS " + security.sas() + " — read it to " + peer
                        + " and check they see the same (" + peer + "'s key " + security.peerFingerprint() + ")");
            }

            @Override
            public void onPeerKeyChanged(String callId, String peer, String previousFingerprint, String fingerprint) {
                out.accept(keyChangedWarning(peer, previousFingerprint, fingerprint));
            }

            @Override
            public void onHold(String callId, String peer, boolean heldHere, boolean heldThere) {
                out.accept(heldHere ? "* call with " + peer + " on hold (type 'resume')"
                        : heldThere ? "* " + peer + " put the call on hold" : "* call with " + peer + " resumed");
            }

            @Override
            public void onCallWaiting(String callId, String caller, String currentPeer) {
                out.accept("* call waiting: " + caller + " is calling; 'answer' puts " + currentPeer
                        + " on hold and answers, 'reject' declines (busy)");
            }

            @Override
            public void onMissedCall(String caller, long atMs, String why) {
                out.accept("* missed call from " + caller + " at " + CallHistory.timeOfDay(atMs) + " (" + why + ")");
            }

            @Override
            public void onEnded(CallReport r) {
                calling = null;
                out.accept("* call with " + r.peer() + " ended: " + r.endReason()
                        + (r.media() == null || !r.connected() ? "" : String.format(" (%d packets received, %d lost, jitter %.1f ms, MOS %.2f)",
                                r.media().packetsReceived(), r.media().packetsLost(), r.media().jitterMs(), r.media().mos())));
            }
        };
    }

    /** @return the loud warning for a contact whose identity key changed since the last call */
    static String keyChangedWarning(String peer, String previousFingerprint, String fingerprint) {
        return "!!! WARNING: " + peer + "'s key has CHANGED (was " + previousFingerprint + ", now " + fingerprint + ").\n"
                + "!!! A new device - or someone in the middle. Compare the SAS by voice before you say anything private.";
    }

    int run() throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).build();
            out = reader::printAbove;
            reader.printAbove("Signed in as " + client.username() + ". Commands: search NAME, call NAME, answer, reject, hangup, stats, quit");
            while (true) {
                String line;
                try {
                    line = reader.readLine(client.username() + "> ").strip();
                } catch (UserInterruptException | EndOfFileException e) {
                    return 0;
                }
                if (line.equals("quit") || line.equals("exit")) {
                    return 0;
                }
                try {
                    execute(line);
                } catch (Exception e) {
                    reader.printAbove("error: " + Errors.describe(e));
                }
            }
        } finally {
            out = System.out::println;
        }
    }

    private void execute(String line) throws Exception {
        String[] words = line.split("\\s+", 2);
        String arg = words.length > 1 ? words[1].strip() : "";
        switch (words[0]) {
            case "" -> { }
            case "help" -> out.accept(String.join("\n",
                    "search NAME   is NAME online, and through which super node",
                    "call NAME     call NAME (audio: --play/--record files or the sound devices)",
                    "answer        answer the ringing incoming call",
                    "reject        decline the ringing incoming call",
                    "hangup        end the current call (or stop calling)",
                    "mute / unmute send silence instead of your audio, or stop doing so",
                    "hold / resume stop sending audio and tell the peer, or go on",
                    "history       recent calls, missed ones included",
                    "stats         live quality of the current call (RTT, loss, jitter, MOS)",
                    "quit          hang up and exit"));
            case "stats" -> {
                var stats = client.calls().stats().get(5, TimeUnit.SECONDS);
                var security = client.calls().security().get(5, TimeUnit.SECONDS);
                out.accept(stats == null ? "no call with media"
                        : (security == null ? "" : "SAS " + security.sas() + " | ") + stats.statusLine());
            }
            case "search" -> {
                SearchResult r = client.search(arg).get(30, TimeUnit.SECONDS);
                out.accept(r.getFound()
                        ? arg + " is online at super node " + HostPort.of(r.getRecord().getSuperNode())
                                + " (" + r.getSupernodesContacted() + " super nodes contacted, " + r.getElapsedMs() + " ms)"
                        : arg + " is not online (" + r.getSupernodesContacted() + " super nodes contacted)");
            }
            case "call" -> {
                calling = arg.toLowerCase(Locale.ROOT);
                out.accept("calling " + arg + "...");
                client.calls().call(arg, audio.source(), audio.sink()).thenAccept(r -> {
                    if (r.callId().isEmpty()) { // refused before it started: no call events will say why
                        if (arg.equalsIgnoreCase(calling)) {
                            calling = null; // a later incoming call from this name is not our own ringing
                        }
                        out.accept("* call to " + arg + " not placed: " + r.endReason());
                    }
                });
            }
            case "answer" -> {
                if (!client.calls().answer(audio.source(), audio.sink()).get()) {
                    out.accept("no incoming call");
                }
            }
            case "reject" -> {
                if (!client.calls().reject("").get()) {
                    out.accept("no incoming call");
                }
            }
            case "mute", "unmute" -> {
                boolean on = words[0].equals("mute");
                out.accept(!client.calls().mute(on).get() ? "no call" : on ? "* muted: your peer hears silence" : "* unmuted");
            }
            case "hold", "resume" -> {
                if (!client.calls().hold(words[0].equals("hold")).get()) {
                    out.accept("no call with audio to " + words[0]);
                }
            }
            case "history" -> out.accept(CallHistory.describe(client.history().recent(20).get(5, TimeUnit.SECONDS)));
            case "hangup" -> {
                if (!client.calls().hangup().get()) {
                    out.accept("no call");
                }
            }
            default -> out.accept("unknown command '" + words[0] + "'; type 'help'");
        }
    }
}
