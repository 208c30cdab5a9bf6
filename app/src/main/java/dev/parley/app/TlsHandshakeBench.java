package dev.parley.app;

import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.tls.EngineSteps;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.tls.TlsIdentity;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * {@code parley bench tls}: the CPU cost of one TLS 1.3 handshake of a client with a super node
 * (Parley's {@link Tls} contexts and {@link TlsIdentity} certificates), client and server side
 * measured apart on one thread with engines connected in memory: what a super node and its clients
 * pay when the clients of a super node that died rejoin. Measured in one run with the handshake's
 * P-256 signatures and x25519 key exchange by BouncyCastle (Parley's {@code HandshakeProvider}, the
 * default; figures {@code bouncycastle_*}) and with that provider removed, all by the JDK's providers
 * ({@code jdk_*}).
 */
final class TlsHandshakeBench {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private TlsHandshakeBench() {}

    /**
     * @param handshakes handshakes per measurement (each measured twice, the first round a warm-up)
     * @return figures per provider of the handshake's P-256 signatures and X25519: {@code <provider>_client_cpu_us},
     *     {@code _server_cpu_us}, {@code _wall_us}
     * @throws SSLException if a handshake fails
     */
    static Map<String, Object> run(int handshakes) throws SSLException {
        SecureRandom random = new SecureRandom();
        SslContext server = Tls.server(TlsIdentity.of(Ed25519KeyPair.generate(random), "bench super node", Instant.now()));
        SslContext client = Tls.client(KeyVerifier.anyKey());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("handshakes", handshakes);
        // Two rounds each, alternating, the first to warm the JIT up: the shared code is then as warm for both.
        for (int round = 0; round < 2; round++) {
            out.putAll(measure("bouncycastle", server, client, handshakes));
            Provider ours = Security.getProvider(Tls.HANDSHAKE_PROVIDER);
            Security.removeProvider(Tls.HANDSHAKE_PROVIDER);
            try {
                out.putAll(measure("jdk", server, client, handshakes));
            } finally {
                Security.insertProviderAt(ours, 1);
            }
        }
        return out;
    }

    private static Map<String, Object> measure(String name, SslContext server, SslContext client, int handshakes)
            throws SSLException {
        long[] cpu = new long[2];
        long t0 = System.nanoTime();
        for (int i = 0; i < handshakes; i++) {
            handshake(client.newEngine(ByteBufAllocator.DEFAULT), server.newEngine(ByteBufAllocator.DEFAULT), cpu);
        }
        long wall = System.nanoTime() - t0;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put(name + "_client_cpu_us", Reports.round(cpu[0] / 1e3 / handshakes, 1));
        out.put(name + "_server_cpu_us", Reports.round(cpu[1] / 1e3 / handshakes, 1));
        out.put(name + "_wall_us", Reports.round(wall / 1e3 / handshakes, 1));
        return out;
    }

    /** Runs one handshake to completion; adds each side's thread CPU time (ns) to {@code cpu[0]} (client), {@code cpu[1]}. */
    private static void handshake(SSLEngine c, SSLEngine s, long[] cpu) throws SSLException {
        ByteBuffer toServer = ByteBuffer.allocate(c.getSession().getPacketBufferSize());
        ByteBuffer toClient = ByteBuffer.allocate(s.getSession().getPacketBufferSize());
        ByteBuffer app = ByteBuffer.allocate(Math.max(c.getSession().getApplicationBufferSize(),
                s.getSession().getApplicationBufferSize()));
        long t = THREADS.getCurrentThreadCpuTime();
        c.beginHandshake();
        s.beginHandshake();
        for (int round = 0; round < 20; round++) {
            t = step(c, toClient, toServer, app, cpu, 0, t);
            t = step(s, toServer, toClient, app, cpu, 1, t);
            if (c.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && s.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
                c.closeOutbound();
                s.closeOutbound();
                return;
            }
        }
        throw new SSLException("handshake did not complete in 20 rounds");
    }

    /** One side reads what the other sent, then writes what it has to send; its CPU goes to {@code cpu[side]}. */
    private static long step(SSLEngine e, ByteBuffer in, ByteBuffer out, ByteBuffer app, long[] cpu, int side, long since)
            throws SSLException {
        EngineSteps.step(e, in, out, app);
        long now = THREADS.getCurrentThreadCpuTime();
        cpu[side] += now - since;
        return now;
    }

    static String table(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-44s %14s %14s %10s%n",
                "P-256 signatures, X25519 (" + r.get("handshakes") + " hs)", "client CPU µs", "server CPU µs", "wall µs"));
        for (String p : new String[] {"bouncycastle", "jdk"}) {
            sb.append(String.format(Locale.ROOT, "%-44s %14s %14s %10s%n",
                    p + (p.equals("jdk") ? " (JDK's providers)" : " (Parley's HandshakeProvider)"),
                    r.get(p + "_client_cpu_us"), r.get(p + "_server_cpu_us"), r.get(p + "_wall_us")));
        }
        return sb.toString();
    }
}
