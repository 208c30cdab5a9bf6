package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.CallHistory.Entry;
import dev.parley.client.CallHistory.Kind;
import dev.parley.client.call.CallListener;
import dev.parley.client.call.CallReport;
import dev.parley.client.call.EndReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The call history in the data dir: kept across restarts, bounded, tolerant of a damaged file. */
class CallHistoryTest {
    @TempDir
    Path dir;

    private final ExecutorService disk = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() throws Exception {
        disk.shutdown();
        assertThat(disk.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    }

    private List<Entry> reload(int n) throws Exception {
        disk.submit(() -> { }).get(5, TimeUnit.SECONDS); // the changes queued before are done
        disk.submit(() -> { }).get(5, TimeUnit.SECONDS); // and the save they queued
        return CallHistory.load(dir.resolve("calls.tsv"), disk).recent(n).get(5, TimeUnit.SECONDS);
    }

    @Test
    void endedAndMissedCallsAreKeptAcrossRestartsNewestFirst() throws Exception {
        CallHistory history = CallHistory.load(dir.resolve("calls.tsv"), disk);
        CallListener listener = history.recording(CallListener.NONE, () -> 1_000L);
        listener.onEnded(new CallReport("id1", "bob", true, true, 50, EndReason.HUNG_UP, "", 65_000, null, "direct", 5, 20,
                List.of("direct"), null));
        // missed: recorded once, from onMissedCall (not again from its onEnded)
        CallReport rangOut = new CallReport("id2", "carol", false, false, -1, EndReason.NOT_ANSWERED, "", 60_000, null, null,
                -1, -1, List.of(), null);
        listener.onEnded(rangOut);
        listener.onMissedCall("carol", 2_000L, rangOut.endReason());
        listener.onEnded(CallReport.notStarted("zed", EndReason.UNREACHABLE, "not online")); // no call: not history

        List<Entry> entries = reload(10);
        assertThat(entries).containsExactly(
                new Entry(2_000, Kind.MISSED, "carol", 0, "missed call: not answered"),
                new Entry(1_000, Kind.OUTGOING, "bob", 65_000, "hung up"));
        assertThat(CallHistory.describe(entries)).contains("MISSED from carol", "to   bob  1:05  hung up");
    }

    /** The client closes its disk thread right after its last call ended: flush first, and the entry is there. */
    @Test
    void aFlushBeforeTheDiskThreadStopsKeepsTheLastCall() throws Exception {
        ExecutorService own = Executors.newSingleThreadExecutor();
        CallHistory history = CallHistory.load(dir.resolve("calls.tsv"), own);
        history.record(new Entry(7, Kind.OUTGOING, "bob", 1_000, "hung up"));
        history.flush().get(5, TimeUnit.SECONDS);
        own.shutdownNow();
        assertThat(Files.readString(dir.resolve("calls.tsv"))).isEqualTo("7\tOUTGOING\tbob\t1000\thung up\n");
    }

    @Test
    void theHistoryIsBounded() throws Exception {
        CallHistory history = CallHistory.load(dir.resolve("calls.tsv"), disk);
        for (int i = 0; i < CallHistory.MAX_ENTRIES + 50; i++) {
            history.record(new Entry(i, Kind.INCOMING, "bob", 1, "remote hung up"));
        }
        List<Entry> entries = reload(Integer.MAX_VALUE);
        assertThat(entries).hasSize(CallHistory.MAX_ENTRIES);
        assertThat(entries.get(0).atMs()).isEqualTo(CallHistory.MAX_ENTRIES + 49);
    }

    /** A peer's words with tabs and line breaks cannot forge history lines. */
    @Test
    void aPeersWordsStayInOneEntry() throws Exception {
        CallHistory history = CallHistory.load(dir.resolve("calls.tsv"), disk);
        history.record(new Entry(5, Kind.INCOMING, "bob", 1, "declined: busy\n9\tMISSED\tmallory\t0\tfake"));
        assertThat(reload(10)).hasSize(1).first().extracting(Entry::peer).isEqualTo("bob");
    }

    /** Seeded random damage to the file: lines are skipped, nothing throws, the client starts. */
    @Test
    void aDamagedFileIsReadAsFarAsItMakesSense() throws Exception {
        SplittableRandom random = new SplittableRandom(13);
        Path file = dir.resolve("calls.tsv");
        for (int round = 0; round < 200; round++) {
            byte[] good = "1\tOUTGOING\tbob\t10\thung up\n2\tMISSED\tcarol\t0\tmissed call\n".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 1 + random.nextInt(4); i++) {
                good[random.nextInt(good.length)] = (byte) random.nextInt(256);
            }
            Files.write(file, good);
            assertThat(CallHistory.load(file, disk).recent(10).get(5, TimeUnit.SECONDS)).hasSizeLessThanOrEqualTo(2);
        }
        Files.write(file, new byte[(int) CallHistory.MAX_FILE_BYTES + 1]);
        assertThat(CallHistory.load(file, disk).recent(10).get(5, TimeUnit.SECONDS)).isEmpty();
    }
}
