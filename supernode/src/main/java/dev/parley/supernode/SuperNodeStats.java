package dev.parley.supernode;

/**
 * Counters of one super node, for reports and benchmarks.
 *
 * @param onlineUsers clients registered here
 * @param knownPeers entries in the peer table
 * @param livePeers peers a search may ask
 * @param searches searches that needed the locator (not answered from local presence)
 * @param cacheHits of those, answered from the positive or negative cache
 * @param lookupsServed {@code PeerLookup}s answered for peers
 * @param rejectedRecords peer answers rejected (forged, stale, wrong user or super node)
 * @param cachedEntries positive plus negative cache entries (estimate)
 * @param datagramsDropped mesh datagrams dropped (not opened: unauthenticated, forged, replayed, stale;
 *     unparseable, unmatched, oversized)
 * @param notFoundReasons searches that ended "not found" because: [0] no live peer, [1] every peer
 *     answered no, [2] the last wave timed out with peers silent, [3] the deadline passed
 * @param throttled wave ends at which a search waited instead of asking more peers, as too many
 *     lookups went silent (overload: {@code LookupThrottle})
 * @param lookupsShed peers' lookups dropped unanswered after waiting in a standing queue (overload:
 *     {@code MeshQueueDelay})
 * @param meshRefused mesh datagrams that did not open, by {@code MeshDatagramException.Reason} ordinal
 * @param meshSent mesh datagrams sent (every kind)
 * @param suspectsSpread peers suspected dead whose news ({@code MeshSuspect}) went to every live peer
 * @param suspectsUnspread peers suspected dead whose news was not spread ({@code DeathWatch}: heard
 *     already, own queue standing, or over the rate)
 */
public record SuperNodeStats(int onlineUsers, int knownPeers, int livePeers, long searches, long cacheHits,
        long lookupsServed, long rejectedRecords, long cachedEntries, long datagramsDropped, long[] notFoundReasons,
        long throttled, long lookupsShed, long[] meshRefused, long meshSent, long suspectsSpread, long suspectsUnspread) {
}
