package dev.parley.login;

import dev.parley.protocol.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who serves as a super node (docs/architecture.md "Self-organizing overlay"): a pure function of
 * the live super nodes with their load, the eligible candidates and the online population, run by
 * the {@link Promoter} every tick.
 *
 * <ul>
 *   <li>Target: {@code max(minSuperNodes, ceil(online / clientsPerSuperNode))} super nodes
 *       (Skype had about one per few hundred clients).</li>
 *   <li>Below target (a super node left, the population grew, or none at all: the bootstrap):
 *       promote at once, up to {@code maxPromotionsPerTick}, the best candidates — most upload (in
 *       doubling bands from {@code minUploadKbps}: 256–511, 512–1,023, … kbit/s, so that a few kbit/s of
 *       measurement noise do not outrank uptime), then longest uptime, then most CPU headroom — first
 *       from /24s that serve no super node yet (spread), then any. Candidates whose measured upload is
 *       below {@code minUploadKbps} are never promoted.
 *       Candidates younger than {@code minUptime} wait, unless fewer than {@code minSuperNodes} are
 *       live (the bootstrap, or a super node just left) or fewer than half the target (a surge of
 *       clients, or several super nodes gone at once): then speed matters more.</li>
 *   <li>Above target by more than the slack ({@code max(1, target / 4)}: no flapping): demote one
 *       promoted super node per tick, the least loaded, once it served {@code demoteGrace}.
 *       Dedicated (operator-enrolled) super nodes are never demoted and count first.</li>
 * </ul>
 *
 * @param minSuperNodes the fewest super nodes kept (positive)
 * @param clientsPerSuperNode online clients per super node aimed at (positive)
 * @param minUptime how long a candidate must have run before it is promoted (while any super node is live)
 * @param maxPromotionsPerTick promotions per tick at most (positive)
 * @param demoteGrace how long a promoted super node serves at least before a demotion for surplus
 * @param minUploadKbps the least upload a candidate must deliver in its burst to be promoted, kbit/s
 *     (positive; {@link UploadMeter})
 */
public record PromotionPolicy(int minSuperNodes, int clientsPerSuperNode, Duration minUptime, int maxPromotionsPerTick,
        Duration demoteGrace, int minUploadKbps) {
    /** The least upload of a super node by default: 256 kbit/s (a relayed call costs some 160). */
    public static final int DEFAULT_MIN_UPLOAD_KBPS = 256;
    /**
     * The defaults: at least 3 super nodes, one per 300 online clients, 10 s uptime, 4 promotions a
     * tick, 2 min grace, {@value #DEFAULT_MIN_UPLOAD_KBPS} kbit/s upload.
     */
    public static final PromotionPolicy DEFAULTS = new PromotionPolicy(3, 300, Duration.ofSeconds(10), 4, Duration.ofMinutes(2));

    /** @throws IllegalArgumentException if a count or the upload is not positive */
    public PromotionPolicy {
        if (minSuperNodes < 1 || clientsPerSuperNode < 1 || maxPromotionsPerTick < 1 || minUploadKbps < 1) {
            throw new IllegalArgumentException(String.format(
                    "minSuperNodes, clientsPerSuperNode, maxPromotionsPerTick, minUploadKbps: %d, %d, %d, %d (expected: >= 1 each)",
                    minSuperNodes, clientsPerSuperNode, maxPromotionsPerTick, minUploadKbps));
        }
    }

    /** This policy with the {@value #DEFAULT_MIN_UPLOAD_KBPS} kbit/s upload minimum. */
    public PromotionPolicy(int minSuperNodes, int clientsPerSuperNode, Duration minUptime, int maxPromotionsPerTick,
            Duration demoteGrace) {
        this(minSuperNodes, clientsPerSuperNode, minUptime, maxPromotionsPerTick, demoteGrace, DEFAULT_MIN_UPLOAD_KBPS);
    }

    /**
     * A live super node.
     *
     * @param address its certified address
     * @param promoted a client the policy promoted (else dedicated: never demoted)
     * @param clients clients registered on it (its last heartbeat)
     * @param servingMs how long it has served (promoted ones), ms
     */
    record Serving(HostPort address, boolean promoted, int clients, long servingMs) {}

    /**
     * A candidate whose reachability was proved and who does not serve now.
     *
     * @param key identifies it to the caller
     * @param address where it would serve
     * @param uptimeMs how long it has run
     * @param cpuIdlePercent its CPU headroom, 0..100
     * @param uploadKbps its upload as the login server measured it (at most what it stated), kbit/s
     */
    record Candidate(String key, HostPort address, long uptimeMs, int cpuIdlePercent, int uploadKbps) {}

    /** What to do this tick: candidates (by key) to promote, promoted super nodes to demote. */
    record Decision(List<String> promote, List<HostPort> demote) {
        static final Decision NONE = new Decision(List.of(), List.of());
    }

    /** @return the number of super nodes aimed at for {@code online} clients */
    int target(int online) {
        return Math.max(minSuperNodes, (int) Math.ceil(online / (double) clientsPerSuperNode));
    }

    /**
     * @param live the live super nodes
     * @param pending promotions sent but not yet heard as heartbeats (counted as live)
     * @param eligible candidates proved reachable that do not serve
     * @param online clients online now
     * @return the promotions and demotions for this tick
     */
    Decision decide(List<Serving> live, int pending, List<Candidate> eligible, int online) {
        int target = target(online);
        int have = live.size() + pending;
        if (have < target) {
            // Urgent (no uptime wait): below the minimum, or under half the target (a surge of clients,
            // or several super nodes gone at once), where waiting overloads the few that serve.
            return new Decision(choose(live, eligible, Math.min(target - have, maxPromotionsPerTick),
                    have < minSuperNodes || have * 2 < target), List.of());
        }
        int slack = Math.max(1, target / 4);
        if (have > target + slack && pending == 0) {
            return live.stream().filter(s -> s.promoted() && s.servingMs() >= demoteGrace.toMillis())
                    .min(Comparator.comparingInt(Serving::clients))
                    .map(s -> new Decision(List.of(), List.of(s.address()))).orElse(Decision.NONE);
        }
        return Decision.NONE;
    }

    private List<String> choose(List<Serving> live, List<Candidate> eligible, int wanted, boolean urgent) {
        List<Candidate> ranked = new ArrayList<>(eligible.stream().filter(c -> c.uploadKbps() >= minUploadKbps)
                .filter(c -> urgent || c.uptimeMs() >= minUptime.toMillis()).toList());
        ranked.sort(Comparator.comparingInt(this::uploadBand).reversed()
                .thenComparing(Comparator.comparingLong(Candidate::uptimeMs).reversed())
                .thenComparing(Comparator.comparingInt(Candidate::cpuIdlePercent).reversed())
                .thenComparing(Candidate::key));
        Set<String> usedNets = new HashSet<>();
        live.forEach(s -> usedNets.add(subnet(s.address())));
        List<String> chosen = new ArrayList<>();
        for (Candidate c : ranked) { // first pass: spread over /24s
            if (chosen.size() < wanted && usedNets.add(subnet(c.address()))) {
                chosen.add(c.key());
            }
        }
        for (Candidate c : ranked) { // then the best of the rest
            if (chosen.size() < wanted && !chosen.contains(c.key())) {
                chosen.add(c.key());
            }
        }
        return List.copyOf(chosen);
    }

    /** @return the candidate's upload band: 0 for minUploadKbps..2×-1, 1 for 2×..4×-1, … */
    private int uploadBand(Candidate c) {
        return 31 - Integer.numberOfLeadingZeros(Math.max(1, c.uploadKbps() / minUploadKbps));
    }

    /** @return the /24 of an IPv4 host ("10.1.2"), else the whole host */
    static String subnet(HostPort address) {
        String host = address.host();
        int last = host.lastIndexOf('.');
        return host.indexOf(':') < 0 && last > 0 && host.chars().filter(ch -> ch == '.').count() == 3
                ? host.substring(0, last) : host;
    }
}
