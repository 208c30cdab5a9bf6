package dev.parley.client.call;

import dev.parley.client.media.MediaStats;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * What one call went through, for its log line and {@link CallReport}: the setup steps ("step +ms"
 * since the call started, docs/nat.md "Setup time"), when the offer left and the first RTP packet
 * came, and every media path taken. Written on the engine's thread only.
 */
final class CallTimeline {
    private final LongSupplier nowMs;
    private final long startedMs;
    private final StringBuilder trace = new StringBuilder();
    private final List<String> pathHistory = new ArrayList<>();
    private long offerMs = -1; // INVITE sent (caller) or ACCEPT sent (callee)
    private long firstPacketMs = -1;
    private @Nullable String path;
    private long pathSetupMs = -1;

    CallTimeline(LongSupplier nowMs) {
        this.nowMs = nowMs;
        this.startedMs = nowMs.getAsLong();
    }

    /** Setup step {@code step} happened now. */
    void mark(String step) {
        trace.append(trace.isEmpty() ? "" : ", ").append(step).append(" +").append(nowMs.getAsLong() - startedMs);
    }

    /** @return the setup steps so far, e.g. "media-open +0, gathered +64, ..." */
    String trace() {
        return trace.toString();
    }

    /** The offer (INVITE, or the callee's ACCEPT) left now: setup time counts from here. */
    void offered() {
        offerMs = nowMs.getAsLong();
    }

    /** The first RTP packet from the peer arrived now. */
    void firstPacket() {
        firstPacketMs = nowMs.getAsLong();
        mark("first-rtp");
    }

    /**
     * Media took path {@code name}.
     *
     * @param setupMs how long its checks took, ms; -1 to keep the first path's
     */
    void path(String name, long setupMs) {
        path = name;
        if (setupMs >= 0) {
            pathSetupMs = setupMs;
        }
        pathHistory.add(name);
    }

    /** @return the current path, none before one was selected */
    @Nullable String path() {
        return path;
    }

    /** @return the report of the call that just ended */
    CallReport report(CallSession call, EndReason reason, String detail, @Nullable MediaStats stats, long gapMs,
            @Nullable CallSecurity security) {
        boolean connected = firstPacketMs >= 0;
        return new CallReport(call.id, call.peer, call.outgoing, connected, connected ? firstPacketMs - offerMs : -1, reason,
                detail, nowMs.getAsLong() - startedMs, stats, path, pathSetupMs, gapMs, pathHistory, security);
    }
}
