package dev.parley.supernode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which peer super nodes one search asks, in which order (see {@link UserLocator}): live peers
 * whose digest may hold the user, then live peers without a digest (or with digests off), then
 * live peers whose digest says no but is stale, then suspects; each group shuffled. Peers whose
 * current digest ({@link DigestSync#current}) says no are left out, unless the caller does not
 * trust that "no" (call signals).
 *
 * @param order the peers to ask, in order
 * @param firstWave the size of wave 1: the digest matches (at most {@value UserLocator#MAX_FIRST_WAVE}), or 2 without any
 * @param trustedNo how many peers were left out on a current digest's "no"
 */
record SearchPlan(List<PeerTable.Peer> order, int firstWave, int trustedNo) {
    /**
     * @param username canonical username searched
     * @param mesh the peer table and digests (call on the mesh loop)
     * @param useDigests whether digests order the peers at all
     * @param trustDigestNo whether a current digest's "no" leaves its peer out
     * @param nowMs clock time for digest leases
     * @param random the shuffles' source (mesh loop only)
     */
    static SearchPlan of(String username, Mesh mesh, boolean useDigests, boolean trustDigestNo, long nowMs,
            SplittableRandom random) {
        List<PeerTable.Peer> hits = new ArrayList<>();
        List<PeerTable.Peer> unknown = new ArrayList<>();
        List<PeerTable.Peer> misses = new ArrayList<>();
        List<PeerTable.Peer> suspects = new ArrayList<>();
        long hash = PresenceDigest.hash(username);
        DigestSync digests = mesh.digests();
        int trustedNo = 0;
        for (PeerTable.Peer p : mesh.table().live()) {
            if (!useDigests || p.digest == null) {
                unknown.add(p);
            } else if (p.digest.mightContain(hash)) {
                hits.add(p);
            } else if (!trustDigestNo || !digests.current(p, nowMs)) {
                misses.add(p); // stale (or untrusted) "no": still asked, after the rest
            } else {
                trustedNo++; // a current digest's "no" is the peer's answer: not asked
            }
        }
        for (PeerTable.Peer p : mesh.table().suspects()) {
            if (trustDigestNo && useDigests && p.digest != null && !p.digest.mightContain(hash) && digests.current(p, nowMs)) {
                trustedNo++; // its push or pong within the lease said no: as good as an answer
            } else {
                suspects.add(p); // missed pings: asked last, so an overloaded mesh stays correct
            }
        }
        List<PeerTable.Peer> order = new ArrayList<>(hits.size() + unknown.size() + misses.size() + suspects.size());
        for (List<PeerTable.Peer> group : List.of(hits, unknown, misses, suspects)) {
            shuffle(group, random);
            order.addAll(group);
        }
        return new SearchPlan(order, hits.isEmpty() ? 2 : Math.min(hits.size(), UserLocator.MAX_FIRST_WAVE), trustedNo);
    }

    private static void shuffle(List<PeerTable.Peer> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            PeerTable.Peer t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
