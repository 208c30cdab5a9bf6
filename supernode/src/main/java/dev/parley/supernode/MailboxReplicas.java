package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which super nodes keep a recipient's mailbox: rendezvous (highest random weight) hashing of the
 * recipient's name over the super nodes a node knows (itself and its live peers), so every super
 * node with the same view picks the same ones, and one super node leaving moves only its share.
 * <pre>
 * weight(user, node) = first 8 bytes, unsigned, of SHA-256("parley-mailbox-v1" | user | 0x00 | "HOST:PORT")
 * </pre>
 */
final class MailboxReplicas {
    private MailboxReplicas() {}

    /**
     * @param user the recipient's canonical name
     * @param self this super node's advertised address
     * @param peers the live peers
     * @param count how many to pick
     * @return up to {@code count} super nodes, heaviest first
     */
    static List<HostPort> choose(String user, HostPort self, List<HostPort> peers, int count) {
        Set<HostPort> all = new LinkedHashSet<>(peers);
        all.add(self);
        List<HostPort> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparing((HostPort hp) -> weight(user, hp), Long::compareUnsigned).reversed()
                .thenComparing(HostPort::toString));
        return List.copyOf(sorted.subList(0, Math.min(count, sorted.size())));
    }

    static long weight(String user, HostPort node) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
        sha.update("parley-mailbox-v1".getBytes(StandardCharsets.US_ASCII));
        sha.update(user.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(node.toString().getBytes(StandardCharsets.UTF_8));
        byte[] d = sha.digest();
        long w = 0;
        for (int i = 0; i < 8; i++) {
            w = (w << 8) | (d[i] & 0xFF);
        }
        return w;
    }
}
