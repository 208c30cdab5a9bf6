package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.Envelope;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A raw TLS connection to a super node, as an attacker opens one (no client logic, any server key),
 * with everything the super node pushes collected.
 */
record RawConnection(ControlConnection connection, BlockingQueue<Envelope> pushes) {
    static RawConnection open(EventLoopGroup group, HostPort to) throws Exception {
        BlockingQueue<Envelope> pushes = new LinkedBlockingQueue<>();
        ControlConnection c = ControlConnection.connect(group, to, Tls.client(KeyVerifier.anyKey()), pushes::add,
                TestClient.WAIT).get(TestClient.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return new RawConnection(c, pushes);
    }

    /** @return the next push, asserting one arrives within {@link TestClient#WAIT} */
    Envelope next() throws InterruptedException {
        Envelope e = pushes.poll(TestClient.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).as("a push").isNotNull();
        return e;
    }
}
