package dev.parley.client.call;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The call ids of INVITEs accepted recently, so that a replayed INVITE (a super node on the path
 * sending a recorded one again) does not ring a second time. INVITEs older than the clock skew are
 * refused by their timestamp, so an id is kept {@value #KEEP_MS} ms; at most {@value #MAX_IDS} are
 * kept (the oldest go first: a replay would then need that many fresh INVITEs to this user inside
 * the window, which the super nodes' signal rate limits forbid). Engine thread only.
 */
final class RecentInvites {
    /** Twice the credential clock skew: an INVITE dated within it is older than this at most. */
    static final long KEEP_MS = 10 * 60_000;
    static final int MAX_IDS = 4096;

    private final LinkedHashMap<String, Long> seenAtMs = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_IDS;
        }
    };

    /**
     * @param callId an INVITE's call id
     * @param nowMs monotonic time
     * @return false if that id was seen within {@value #KEEP_MS} ms (a replay); else records it
     */
    boolean add(String callId, long nowMs) {
        for (Iterator<Long> it = seenAtMs.values().iterator(); it.hasNext(); ) {
            if (nowMs - it.next() <= KEEP_MS) {
                break; // insertion order: the rest are newer
            }
            it.remove();
        }
        return seenAtMs.putIfAbsent(callId, nowMs) == null;
    }
}
