package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.supernode.SuperNode;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A super node's stated caps enforced on real sockets (docs/architecture.md "Self-organizing
 * overlay"), with the caps a promoted client's super node gets ({@code ServeSettings}): the first
 * super node serves 2 clients and 1 relay allocation. The third client is refused
 * {@code SUPER_NODE_FULL} and, choosing from its host cache, registers with the other super node;
 * a second relay allocation is refused.
 */
class ServeCapsTest {
    private static final IncomingCallPolicy DECLINE = (id, c) -> new IncomingCallPolicy.Decline("no");

    @TempDir
    Path dir;
    private TestOverlay overlay;

    @BeforeEach
    void start() throws Exception {
        AtomicInteger started = new AtomicInteger();
        overlay = new TestOverlay(dir, 2, c -> c, c -> started.getAndIncrement() == 0
                ? c.withLimits(c.limits().withMaxClients(2)).withRelayLimits(c.relayLimits().withCaps(1, 2_000)) : c);
    }

    @AfterEach
    void stop() throws Exception {
        overlay.close();
    }

    @Test
    void theClientBeyondTheCapIsRefusedAndRegistersElsewhere() throws Exception {
        SuperNode capped = overlay.superNodes.get(0);
        HostPort other = overlay.superNode(1);
        overlay.client("alice", 0, DECLINE, CallListener.NONE);
        overlay.client("bob", 0, DECLINE, CallListener.NONE);
        assertThat(capped.onlineUsers()).isEqualTo(2);

        assertThatThrownBy(() -> overlay.client("carol", 0, DECLINE, CallListener.NONE))
                .as("pinned to the full super node")
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.SUPER_NODE_FULL);
                    assertThat(e.getMessage()).contains("clients registered here: 2 (expected: < 2)");
                });
        for (int i = 0; i < 3; i++) { // whichever order the host cache tries them in
            ParleyClient dave = overlay.client("dave" + i, -1, DECLINE, CallListener.NONE);
            assertThat(dave.superNode()).as("dave%d joined through the super node with room", i).isEqualTo(other);
        }
        assertThat(capped.onlineUsers()).isEqualTo(2);
    }

    @Test
    void aRelayAllocationBeyondTheCapIsRefused() throws Exception {
        ParleyClient alice = overlay.client("alice", 0, DECLINE, CallListener.NONE);
        ParleyClient bob = overlay.client("bob", 0, DECLINE, CallListener.NONE);
        assertThat(alice.session().allocateRelay("call-1").get(5, TimeUnit.SECONDS).getAllocationId()).isPositive();
        assertThatThrownBy(() -> bob.session().allocateRelay("call-2").get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
                    assertThat(e.getMessage()).contains("relayAllocations: 1 (expected: < 1)");
                });
    }
}
