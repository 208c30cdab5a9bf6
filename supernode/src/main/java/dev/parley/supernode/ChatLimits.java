package dev.parley.supernode;

import dev.parley.supernode.store.Mailboxes;
import java.time.Duration;

/**
 * Abuse limits of chat packets (docs/security.md "Contacts, presence and messages"); all positive.
 *
 * @param packetsPerS chat packets one client session may send per second, sustained
 * @param packetBurst chat packets one client session may send at once (a login's presence fan-out)
 * @param searchesPerS chat packets per second for which one session may make this super node search the mesh
 * @param searchBurst such packets at once
 * @param requestsPerMinute contact requests one session may send per minute (burst {@code requestBurst})
 * @param requestBurst contact requests at once
 * @param requestPairWindow a second contact request between the same pair within this window is refused
 * @param incomingRequestsPerMinute contact requests a recipient registered here may receive per minute
 * @param maxWill packets in one session's presence will
 * @param mailbox the mailbox bounds
 */
record ChatLimits(int packetsPerS, int packetBurst, int searchesPerS, int searchBurst, int requestsPerMinute,
        int requestBurst, Duration requestPairWindow, int incomingRequestsPerMinute, int maxWill, Mailboxes.Limits mailbox) {
    /**
     * 50 packets/s (burst 300: presence to every contact on login), 20 mesh searches/s (burst 300),
     * 6 contact requests a minute (burst 10), one per pair per 10 min, 20 incoming a minute per
     * recipient, wills of 256 packets, {@link Mailboxes.Limits#DEFAULTS}.
     */
    static final ChatLimits DEFAULTS = new ChatLimits(50, 300, 20, 300, 6, 10, Duration.ofMinutes(10), 20, 256,
            Mailboxes.Limits.DEFAULTS);
    /** How many super nodes keep each offline recipient's packets. */
    static final int REPLICAS = 3;
    /** Largest {@code MailboxContents}, in bytes of packets (under the 64 KiB frame). */
    static final int MAX_FETCH_BYTES = 48 * 1024;
}
