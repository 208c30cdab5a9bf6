package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.HandshakeFailedException;
import dev.parley.protocol.wire.ErrorCode;
import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** Failover over login servers: which failures move on to the next one, which are final. */
class LoginServersTest {
    private static final HostPort A = new HostPort("10.0.0.11", 7000);
    private static final HostPort B = new HostPort("10.0.0.12", 7000);

    /** @return what {@link LoginServers#inOrder} completed with, and the servers it asked, in order */
    private static Map.Entry<Object, List<HostPort>> run(Throwable fromA) throws InterruptedException {
        List<HostPort> asked = new ArrayList<>();
        CompletableFuture<String> f = LoginServers.inOrder(List.of(A, B), server -> {
            asked.add(server);
            return server.equals(A) ? CompletableFuture.failedFuture(fromA) : CompletableFuture.completedFuture("from B");
        });
        try {
            return Map.entry(f.get(5, TimeUnit.SECONDS), asked);
        } catch (ExecutionException e) {
            return Map.entry(e.getCause(), asked);
        } catch (TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anUnreachableOrBusyLoginServerFailsOverToTheNext() throws Exception {
        for (Throwable t : List.of(new ConnectException("refused"), new IOException("timed out"),
                new ProtocolException(ErrorCode.RATE_LIMITED, "busy"), new ProtocolException(ErrorCode.INTERNAL, "db down"))) {
            var r = run(t);
            assertThat(r.getKey()).as("after %s", t).isEqualTo("from B");
            assertThat(r.getValue()).containsExactly(A, B);
        }
    }

    @Test
    void aRefusalOrAnImpostorIsFinal() throws Exception {
        for (Throwable t : List.of(new ProtocolException(ErrorCode.WRONG_CREDENTIALS, "wrong password"),
                new ProtocolException(ErrorCode.ACCOUNT_DISABLED, "disabled"),
                new HandshakeFailedException("login server key changed", new IOException("pin")))) {
            var r = run(t);
            assertThat(r.getKey()).as("after %s", t).isSameAs(t);
            assertThat(r.getValue()).as("B never asked").containsExactly(A);
        }
    }

    @Test
    void theLastFailureIsReportedWhenEveryLoginServerFails() throws Exception {
        CompletableFuture<String> f = LoginServers.inOrder(List.of(A, B),
                server -> CompletableFuture.failedFuture(new ConnectException("refused by " + server)));
        assertThat(f).failsWithin(5, TimeUnit.SECONDS).withThrowableThat().havingRootCause()
                .withMessage("refused by " + B);
    }
}
