package dev.parley.protocol.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.Ed25519KeyPair;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.Consumer;
import javax.crypto.KeyAgreement;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS 1.3 handshakes between {@link Tls}'s contexts with X25519 by {@link HandshakeProvider}: engines
 * joined in memory (as {@code parley bench tls}), the hellos' key shares rewritten in flight.
 */
class X25519HandshakeTest {
    /** A key share entry for x25519 (RFC 8446 §4.2.8): group 0x001d, 32 bytes of key. */
    private static final byte[] X25519_SHARE = {0x00, 0x1d, 0x00, 0x20};
    private static SslContext server;
    private static SslContext client;

    @BeforeAll
    static void contexts() {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) 1);
        client = Tls.client(KeyVerifier.anyKey()); // loading Tls installs the provider
        server = Tls.server(TlsIdentity.of(Ed25519KeyPair.fromSeed(seed), "test server", Instant.now()));
    }

    private static SecureRandom seeded(long seed) throws Exception {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(seed);
        return r;
    }

    @Test
    void theJcaGivesOurX25519ToSunJsse() throws Exception {
        // as sun.security.ssl.XDHKeyExchange: KeyPairGenerator "XDH" with the group's parameters
        KeyPairGenerator g = KeyPairGenerator.getInstance("XDH");
        g.initialize(NamedParameterSpec.X25519, seeded(1));
        KeyPair pair = g.generateKeyPair();
        assertThat(g.getProvider().getName()).isEqualTo(HandshakeProvider.NAME);
        assertThat(pair.getPublic()).isInstanceOf(X25519Keys.Public.class);
        assertThat(pair.getPrivate()).isInstanceOf(X25519Keys.Private.class);
        // the peer's share: KeyFactory "XDH" from its u; then KeyAgreement "XDH" (KAKeyDerivation)
        KeyFactory f = KeyFactory.getInstance("XDH");
        XECPublicKey peer = (XECPublicKey) f.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519,
                ((XECPublicKey) pair.getPublic()).getU()));
        assertThat(f.getProvider().getName()).isEqualTo(HandshakeProvider.NAME);
        KeyAgreement ka = KeyAgreement.getInstance("XDH");
        ka.init(pair.getPrivate());
        ka.doPhase(peer, true);
        assertThat(ka.generateSecret("TlsPremasterSecret").getEncoded()).hasSize(32);
        assertThat(ka.getProvider().getName()).isEqualTo(HandshakeProvider.NAME);
        // NamedGroup checks that the group is available with KeyAgreement "x25519"
        assertThat(KeyAgreement.getInstance("x25519").getProvider().getName()).isEqualTo(HandshakeProvider.NAME);
    }

    @Test
    void x448FallsThroughToTheJdk() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("XDH");
        g.initialize(NamedParameterSpec.X448, seeded(2));
        KeyPair a = g.generateKeyPair();
        assertThat(g.getProvider().getName()).isEqualTo("SunEC");
        KeyPairGenerator bySize = KeyPairGenerator.getInstance("XDH");
        bySize.initialize(448, seeded(3));
        KeyPair b = bySize.generateKeyPair();
        assertThat(bySize.getProvider().getName()).isEqualTo("SunEC");

        KeyFactory f = KeyFactory.getInstance("XDH");
        XECPublicKey bPublic = (XECPublicKey) f.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X448,
                ((XECPublicKey) b.getPublic()).getU()));
        assertThat(bPublic).isNotInstanceOf(X25519Keys.Public.class);
        KeyAgreement ab = KeyAgreement.getInstance("XDH");
        ab.init(a.getPrivate());
        ab.doPhase(bPublic, true);
        assertThat(ab.getProvider().getName()).isEqualTo("SunEC");
        KeyAgreement ba = KeyAgreement.getInstance("XDH");
        ba.init(b.getPrivate());
        ba.doPhase(a.getPublic(), true);
        assertThat(ab.generateSecret()).hasSize(56).isEqualTo(ba.generateSecret());
    }

    @Test
    void aTls13HandshakeOverX25519Completes() throws Exception {
        SSLEngine c = engine(client, "x25519");
        SSLEngine s = engine(server, "x25519");
        handshake(c, s, hello -> { }, hello -> { });
        assertThat(c.getSession().getProtocol()).isEqualTo("TLSv1.3");
        assertThat(s.getSession().getCipherSuite()).isEqualTo(c.getSession().getCipherSuite());
    }

    @Test
    void aTls13HandshakeOverX448StillCompletesByTheJdk() throws Exception {
        handshake(engine(client, "x448"), engine(server, "x448"), hello -> { }, hello -> { });
    }

    @Test
    void theServerRefusesAClientKeyShareOfSmallOrder() throws Exception {
        SSLEngine c = engine(client, "x25519");
        SSLEngine s = engine(server, "x25519");
        assertThatThrownBy(() -> handshake(c, s, X25519HandshakeTest::zeroKeyShare, hello -> { }))
                .isInstanceOf(SSLHandshakeException.class).rootCause().isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("X25519 shared secret is all zeros");
    }

    @Test
    void theClientRefusesAServerKeyShareOfSmallOrder() throws Exception {
        SSLEngine c = engine(client, "x25519");
        SSLEngine s = engine(server, "x25519");
        assertThatThrownBy(() -> handshake(c, s, hello -> { }, X25519HandshakeTest::zeroKeyShare))
                .isInstanceOf(SSLHandshakeException.class).rootCause().isInstanceOf(InvalidKeyException.class)
                .hasMessageContaining("X25519 shared secret is all zeros");
    }

    @Test
    void aShareWithBit255SetIsMaskedAsRfc7748Says() throws Exception {
        // SunJSSE reads a share's 32 bytes, unmasked, into a BigInteger (XDHECredentials.valueOf); the
        // JDK's key factory then reduces it modulo p, ours masks bit 255 first as RFC 7748 §5 says
        BigInteger u = BigInteger.valueOf(9).setBit(255);
        XECPublicKey key = (XECPublicKey) KeyFactory.getInstance("XDH").generatePublic(
                new XECPublicKeySpec(NamedParameterSpec.X25519, u));
        assertThat(key.getU()).isEqualTo(BigInteger.valueOf(9)); // RFC 7748 §5: masked
    }

    /** @return an engine of {@code context} that offers only {@code group} */
    private static SSLEngine engine(SslContext context, String group) {
        SSLEngine e = context.newEngine(ByteBufAllocator.DEFAULT);
        SSLParameters p = e.getSSLParameters();
        p.setNamedGroups(new String[] {group});
        e.setSSLParameters(p);
        return e;
    }

    /**
     * Sets the x25519 key share of the first TLS record in {@code flight} (a ClientHello or
     * ServerHello, sent in the clear) to u = 0, a point of small order.
     */
    private static void zeroKeyShare(ByteBuffer flight) {
        byte[] b = flight.array();
        int end = Math.min(flight.position(), 5 + ((b[3] & 0xff) << 8 | (b[4] & 0xff)));
        for (int i = 5; i + X25519_SHARE.length + 32 <= end; i++) {
            if (Arrays.equals(b, i, i + X25519_SHARE.length, X25519_SHARE, 0, X25519_SHARE.length)) {
                Arrays.fill(b, i + X25519_SHARE.length, i + X25519_SHARE.length + 32, (byte) 0);
                return;
            }
        }
        throw new AssertionError("no x25519 key share in the hello");
    }

    /**
     * Runs a handshake to completion; {@code clientHello} and {@code serverHello} may change each
     * side's first flight before the other side reads it.
     */
    private static void handshake(SSLEngine c, SSLEngine s, Consumer<ByteBuffer> clientHello,
            Consumer<ByteBuffer> serverHello) throws SSLException {
        ByteBuffer toServer = ByteBuffer.allocate(1 << 16);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 16);
        ByteBuffer app = ByteBuffer.allocate(1 << 16);
        c.beginHandshake();
        s.beginHandshake();
        for (int round = 0; round < 20; round++) {
            EngineSteps.step(c, toClient, toServer, app);
            if (round == 0) {
                clientHello.accept(toServer);
            }
            EngineSteps.step(s, toServer, toClient, app);
            if (round == 0) {
                serverHello.accept(toClient);
            }
            if (c.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
                    && s.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
                return;
            }
        }
        throw new AssertionError("handshake did not complete in 20 rounds");
    }
}
