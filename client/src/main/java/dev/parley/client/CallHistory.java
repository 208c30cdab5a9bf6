package dev.parley.client;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallPhase;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.CallSecurity;
import dev.parley.protocol.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's call history, missed calls included, in {@code DIR/calls.tsv}: one call a line,
 * {@code AT_MS TAB KIND TAB PEER TAB DURATION_MS TAB OUTCOME}, oldest first. At most
 * {@value #MAX_ENTRIES} calls (the oldest go first); a file over {@value #MAX_FILE_BYTES} bytes is
 * not read (the history starts empty, with a warning) and malformed lines are skipped. The entries
 * are confined to the disk executor (one thread): every change is written there, atomically
 * ({@link AtomicFiles}), never on the call engine's thread.
 */
public final class CallHistory {
    private static final Logger log = LoggerFactory.getLogger(CallHistory.class);
    /** Most calls kept. */
    public static final int MAX_ENTRIES = 500;
    /** Largest history file read at start, bytes. */
    static final long MAX_FILE_BYTES = 1 << 20;
    private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());

    /** What kind of call an entry is. */
    public enum Kind { OUTGOING, INCOMING, MISSED }

    /**
     * One call.
     *
     * @param atMs when it ended (missed: when it came), wall clock ms since the epoch
     * @param kind outgoing, incoming (answered or declined) or missed
     * @param peer the other party's username
     * @param durationMs how long it lasted, ms (0 for calls that never started)
     * @param outcome how it ended, as the user reads it ("hung up", "missed call: the caller hung up", ...)
     */
    public record Entry(long atMs, Kind kind, String peer, long durationMs, String outcome) {
        /** Tabs and line breaks (from a peer's words) become spaces: one entry, one line. */
        public Entry {
            peer = oneLine(peer);
            outcome = oneLine(outcome);
        }

        private static String oneLine(String s) {
            return s.replaceAll("[\\t\\r\\n]", " ");
        }

        String line() {
            return atMs + "\t" + kind + "\t" + peer + "\t" + durationMs + "\t" + outcome;
        }

        static Entry parse(String line) {
            String[] f = line.split("\t", 5);
            if (f.length != 5) {
                throw new IllegalArgumentException("fields: " + f.length + " (expected: 5)");
            }
            return new Entry(Long.parseLong(f[0]), Kind.valueOf(f[1]), f[2], Long.parseLong(f[3]), f[4]);
        }
    }

    private final Path file;
    private final Executor disk;
    private final Deque<Entry> entries; // disk executor only
    private boolean savePending; // disk executor only

    private CallHistory(Path file, Executor disk, Deque<Entry> entries) {
        this.file = file;
        this.disk = disk;
        this.entries = entries;
    }

    /**
     * Reads the history (missing file: none yet).
     *
     * @param disk the one thread that owns the entries and writes the file
     * @throws IOException if the file exists but cannot be read
     */
    static CallHistory load(Path file, Executor disk) throws IOException {
        Deque<Entry> entries = new ArrayDeque<>();
        if (Files.exists(file)) {
            if (Files.size(file) > MAX_FILE_BYTES) {
                log.warn("{}: {} bytes (expected: <= {}); starting a new call history", file, Files.size(file), MAX_FILE_BYTES);
            } else {
                // decoded leniently: a damaged byte spoils its line, not the whole history
                for (String line : new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n")) {
                    try {
                        add(entries, Entry.parse(line));
                    } catch (IllegalArgumentException e) {
                        log.debug("{}: skipping a malformed line ({})", file, e.getMessage());
                    }
                }
            }
        }
        return new CallHistory(file, disk, entries);
    }

    private static void add(Deque<Entry> entries, Entry e) {
        entries.addLast(e);
        while (entries.size() > MAX_ENTRIES) {
            entries.removeFirst();
        }
    }

    /**
     * Adds a call, on the disk executor, and saves the history there after the changes already
     * queued (a burst of calls is one write). Any thread.
     */
    public void record(Entry e) {
        disk.execute(() -> {
            add(entries, e);
            if (!savePending) {
                savePending = true;
                disk.execute(this::save);
            }
        });
    }

    /** @return completes once the changes queued before it are on disk (the client waits for it before it closes) */
    CompletableFuture<Void> flush() {
        return CompletableFuture.runAsync(() -> {
            if (savePending) {
                save();
            }
        }, disk);
    }

    private void save() {
        savePending = false;
        StringBuilder text = new StringBuilder();
        entries.forEach(x -> text.append(x.line()).append('\n'));
        try {
            AtomicFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException ex) {
            log.warn("saving the call history to {} failed: {}", file, ex.toString());
        }
    }

    /** @return completes with the newest {@code n} calls, newest first */
    public CompletableFuture<List<Entry>> recent(int n) {
        return CompletableFuture.supplyAsync(() -> {
            List<Entry> out = new ArrayList<>();
            entries.descendingIterator().forEachRemaining(e -> {
                if (out.size() < n) {
                    out.add(e);
                }
            });
            return out;
        }, disk);
    }

    /**
     * @param wallClockMs the wall clock (ms since the epoch) for missed calls' times
     * @return {@code user}'s listener, after which every ended call and every missed call is recorded here
     */
    CallListener recording(CallListener user, LongSupplier wallClockMs) {
        return new CallListener() {
            @Override
            public void onPhase(String callId, String peer, CallPhase phase) {
                user.onPhase(callId, peer, phase);
            }

            @Override
            public void onMediaProblem(String callId, String peer, String message) {
                user.onMediaProblem(callId, peer, message);
            }

            @Override
            public void onSecured(String callId, String peer, CallSecurity security) {
                user.onSecured(callId, peer, security);
            }

            @Override
            public void onPeerNewDevice(String callId, String peer, String fingerprint) {
                user.onPeerNewDevice(callId, peer, fingerprint);
            }

            @Override
            public void onHold(String callId, String peer, boolean heldHere, boolean heldThere) {
                user.onHold(callId, peer, heldHere, heldThere);
            }

            @Override
            public void onCallWaiting(String callId, String caller, String currentPeer) {
                user.onCallWaiting(callId, caller, currentPeer);
            }

            @Override
            public void onMissedCall(String caller, long atMs, String why) {
                record(new Entry(atMs, Kind.MISSED, caller, 0, why));
                user.onMissedCall(caller, atMs, why);
            }

            @Override
            public void onEnded(CallReport r) {
                if (!r.missed() && !r.callId().isEmpty()) { // missed ones come as onMissedCall; unstarted ones are no calls
                    record(new Entry(wallClockMs.getAsLong(), r.outgoing() ? Kind.OUTGOING : Kind.INCOMING, r.peer(),
                            r.durationMs(), r.endReason()));
                }
                user.onEnded(r);
            }
        };
    }

    /** @return the entries as the shell shows them, one a line, or "no calls yet" */
    public static String describe(List<Entry> recent) {
        if (recent.isEmpty()) {
            return "no calls yet";
        }
        StringBuilder sb = new StringBuilder();
        for (Entry e : recent) {
            sb.append(sb.isEmpty() ? "" : "\n").append(DAY_TIME.format(Instant.ofEpochMilli(e.atMs()))).append("  ")
                    .append(switch (e.kind()) {
                        case OUTGOING -> "to   ";
                        case INCOMING -> "from ";
                        case MISSED -> "MISSED from ";
                    }).append(e.peer());
            if (e.durationMs() > 0) {
                sb.append(String.format("  %d:%02d", e.durationMs() / 60_000, e.durationMs() / 1000 % 60));
            }
            sb.append("  ").append(e.outcome());
        }
        return sb.toString();
    }

    /** @return "HH:mm" of {@code atMs} in the local time zone */
    public static String timeOfDay(long atMs) {
        return TIME.format(Instant.ofEpochMilli(atMs));
    }
}
