package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import dev.parley.supernode.MeshCandidate.DigestSays;
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
 * @param hits how many of the first peers of {@code order} are digest matches (peers that may hold the user)
 * @param heldBack the peers left out on a current digest's "no", shuffled: asked only if a digest
 *     match stays silent (the user may be moving from it: {@link UserLocator})
 */
record SearchPlan(List<HostPort> order, int firstWave, int hits, List<HostPort> heldBack) {
    /** @return how many peers were left out on a current digest's "no" */
    int trustedNo() {
        return heldBack.size();
    }

    /**
     * @param candidates the peers, as {@link MeshPort#candidates} lists them
     * @param useDigests whether digests order the peers at all
     * @param trustDigestNo whether a current digest's "no" leaves its peer out; never when a
     *     suspected peer's digest may hold the user ({@link #moving})
     * @param random the shuffles' source (mesh loop only)
     */
    static SearchPlan of(List<MeshCandidate> candidates, boolean useDigests, boolean trustDigestNo, SplittableRandom random) {
        trustDigestNo &= !moving(candidates);
        List<HostPort> hits = new ArrayList<>();
        List<HostPort> unknown = new ArrayList<>();
        List<HostPort> misses = new ArrayList<>();
        List<HostPort> suspects = new ArrayList<>();
        List<HostPort> heldBack = new ArrayList<>();
        for (MeshCandidate c : candidates) {
            DigestSays says = useDigests ? c.digest() : DigestSays.NOTHING;
            if (trustDigestNo && says == DigestSays.NO_CURRENT) {
                heldBack.add(c.address()); // a current digest's "no" (a push or pong within the lease) is the peer's answer
            } else if (c.suspect()) {
                suspects.add(c.address()); // missed pings: asked last, so an overloaded mesh stays correct
            } else if (says == DigestSays.NOTHING) {
                unknown.add(c.address());
            } else if (says == DigestSays.MAYBE) {
                hits.add(c.address());
            } else {
                misses.add(c.address()); // stale (or untrusted) "no": still asked, after the rest
            }
        }
        List<HostPort> order = new ArrayList<>(hits.size() + unknown.size() + misses.size() + suspects.size());
        for (List<HostPort> group : List.of(hits, unknown, misses, suspects)) {
            shuffle(group, random);
            order.addAll(group);
        }
        shuffle(heldBack, random);
        return new SearchPlan(order, hits.isEmpty() ? 2 : Math.min(hits.size(), UserLocator.MAX_FIRST_WAVE), hits.size(),
                heldBack);
    }

    /**
     * @return whether a peer suspected dead may have held the user (its last digest says so): the
     *     user is then likely rejoining elsewhere, at a peer whose current digest does not list them
     *     until its next push (at most one a second), so no digest's "no" is trusted for them
     *     (docs/protocol.md "Dead super nodes")
     */
    static boolean moving(List<MeshCandidate> candidates) {
        for (MeshCandidate c : candidates) {
            if (c.suspect() && c.digest() == DigestSays.MAYBE) {
                return true;
            }
        }
        return false;
    }

    private static void shuffle(List<HostPort> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            HostPort t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
