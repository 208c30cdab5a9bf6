package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import dev.parley.protocol.ControlConnection;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.PresenceRecords;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.ChannelBinding;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.tls.Tls;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.Register;
import dev.parley.protocol.wire.Search;
import dev.parley.protocol.wire.SearchResult;
import dev.parley.protocol.wire.SuperNodeCertificate;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/** A minimal client on {@link ControlConnection}: reads ServerHello, registers, sends requests, collects pushes. */
final class TestClient implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    final ControlConnection connection;
    final byte[] nonce;
    final HostPort serverAddress;
    /** The key the super node's TLS presented, and this connection's TLS exporter (null on a JDK without one). */
    final byte[] nodeKey;
    final byte @Nullable [] exporter;
    /** The super node's certificate from its ServerHello (default instance if it sent none). */
    final SuperNodeCertificate certificate;
    private final BlockingQueue<Envelope> pushes;

    private TestClient(ControlConnection connection, BlockingQueue<Envelope> pushes, Envelope hello) throws Exception {
        this.connection = connection;
        this.pushes = pushes;
        this.nonce = hello.getServerHello().getNonce().toByteArray();
        this.serverAddress = HostPort.of(hello.getServerHello().getAddress());
        this.certificate = hello.getServerHello().getCertificate();
        this.nodeKey = ChannelBinding.serverKey(connection.channel());
        this.exporter = ChannelBinding.exporter(connection.channel());
    }

    /** @return what a registration's proof signs on this connection (v2: nonce, node key, exporter) */
    byte[] proofInput() {
        return Credentials.registerProofInput(nonce, nodeKey, exporter);
    }

    /** Connects and waits for the super node's ServerHello. */
    static TestClient connect(EventLoopGroup group, HostPort superNode) throws Exception {
        BlockingQueue<Envelope> pushes = new LinkedBlockingQueue<>();
        ControlConnection c = ControlConnection.connect(group, superNode, Tls.client(KeyVerifier.anyKey()), pushes::add, WAIT)
                .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        Envelope hello = pushes.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(hello).as("ServerHello push").isNotNull();
        assertThat(hello.hasServerHello()).as("first push is ServerHello: %s", hello).isTrue();
        return new TestClient(c, pushes, hello);
    }

    /** Sends Register with a proof signed by {@code key} over this connection's nonce. */
    CompletableFuture<Envelope> register(Credential credential, Ed25519KeyPair key) {
        return register(credential, key.sign(proofInput()), key);
    }

    /** Registers with a proof and a presence record signed by {@code presenceKey} at the credential's issue time. */
    CompletableFuture<Envelope> register(Credential credential, byte[] proof, Ed25519KeyPair presenceKey) {
        long signedAt = credential.getIssuedAtMs();
        byte[] presence = PresenceRecords.sign(presenceKey, credential.getUsername(), serverAddress, List.of(), signedAt);
        return connection.request(Envelope.newBuilder().setRegister(Register.newBuilder()
                .setCredential(credential).setProof(ByteString.copyFrom(proof)).setChannelBound(exporter != null)
                .setPresenceSignature(ByteString.copyFrom(presence)).setPresenceSignedAtMs(signedAt)), WAIT);
    }

    /** As {@link #register(Credential, Ed25519KeyPair)}, naming the super node this client lost ({@code lost_super_node}). */
    CompletableFuture<Envelope> registerAfterLosing(Credential credential, Ed25519KeyPair key, HostPort lost) {
        long signedAt = credential.getIssuedAtMs();
        byte[] presence = PresenceRecords.sign(key, credential.getUsername(), serverAddress, List.of(), signedAt);
        return connection.request(Envelope.newBuilder().setRegister(Register.newBuilder()
                .setCredential(credential).setProof(ByteString.copyFrom(key.sign(proofInput()))).setChannelBound(exporter != null)
                .setPresenceSignature(ByteString.copyFrom(presence)).setPresenceSignedAtMs(signedAt)
                .setLostSuperNode(lost.toAddress())), WAIT);
    }

    CompletableFuture<Envelope> register(Credential credential, byte[] proof) {
        return connection.request(Envelope.newBuilder().setRegister(Register.newBuilder()
                .setCredential(credential).setProof(ByteString.copyFrom(proof)).setChannelBound(exporter != null)), WAIT);
    }

    CompletableFuture<Envelope> request(Envelope.Builder request) {
        return connection.request(request, WAIT);
    }

    SearchResult search(String username) throws Exception {
        return await(request(Envelope.newBuilder().setSearch(Search.newBuilder().setUsername(username)))).getSearchResult();
    }

    CompletableFuture<Envelope> signal(CallSignal.Builder signal) {
        return request(Envelope.newBuilder().setCallSignal(signal));
    }

    /** @return the next push, failing the test if none arrives in time */
    Envelope nextPush() throws InterruptedException {
        Envelope e = pushes.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(e).as("a push within %s", WAIT).isNotNull();
        return e;
    }

    /** @return the next push within {@code wait}, or null if none came */
    Envelope pollPush(Duration wait) throws InterruptedException {
        return pushes.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    void awaitClosed() throws Exception {
        connection.closeFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    static Envelope await(CompletableFuture<Envelope> f) throws Exception {
        return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** @return the ProtocolException a request failed with, failing the test if it succeeded */
    static ProtocolException failure(CompletableFuture<Envelope> f) throws InterruptedException, TimeoutException {
        try {
            Envelope e = f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return fail("expected an error response, got " + e);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ProtocolException.class);
            return (ProtocolException) e.getCause();
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
