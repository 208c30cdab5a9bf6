package dev.parley.nat.stun;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.nat.sim.VirtualTime;
import dev.parley.nat.transport.DatagramTransport;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class StunClientTest {
    private static final InetSocketAddress SERVER = new InetSocketAddress("192.0.2.10", 3478);
    private static final InetSocketAddress MAPPED = new InetSocketAddress("198.51.100.7", 40001);

    private final VirtualTime time = new VirtualTime();
    private final List<long[]> sendTimes = new ArrayList<>();
    private final List<byte[]> sent = new ArrayList<>();
    private final DatagramTransport transport = new DatagramTransport() {
        @Override
        public void send(InetSocketAddress to, byte[] payload) {
            sendTimes.add(new long[] {time.nowMs()});
            sent.add(payload);
        }

        @Override
        public InetSocketAddress localAddress() {
            return new InetSocketAddress("10.0.0.2", 5000);
        }
    };
    private final StunClient client = new StunClient(transport, time, time, new SplittableRandom(11), StunClient.Timing.RFC8489);

    @Test
    void retransmitsPerRfc8489AndTimesOutAfterRmTimesRto() {
        CompletableFuture<StunResponse> f = client.binding(SERVER);
        time.advance(39_499);
        assertThat(f).isNotDone();
        assertThat(sendTimes.stream().map(t -> t[0]).toList()).containsExactly(0L, 500L, 1500L, 3500L, 7500L, 15500L, 31500L);
        assertThat(StunClient.transmissionOffsetsMs(StunClient.Timing.RFC8489)).containsExactly(0L, 500L, 1500L, 3500L, 7500L, 15500L, 31500L);
        assertThat(StunClient.Timing.RFC8489.totalMs()).isEqualTo(39_500);
        time.advance(1);
        assertThat(f).isCompletedExceptionally();
        assertThat(f.exceptionNow()).isInstanceOf(StunTimeoutException.class).hasMessageContaining("7 requests in 39500 ms");
        assertThat(sent).allSatisfy(b -> assertThat(b).isEqualTo(sent.get(0)));
        assertThat(client.openTransactions()).isZero();
    }

    @Test
    void ignoresWrongTransactionIdAndBadFingerprintThenAcceptsTheRealResponse() throws Exception {
        CompletableFuture<StunResponse> f = client.binding(SERVER);
        time.advance(600); // one retransmission
        StunMessage request = StunCodec.decode(sent.get(0));
        byte[] good = successFor(request.transactionId());

        byte[] wrongId = successFor(TransactionId.random(new SplittableRandom(99)));
        assertThat(client.onDatagram(SERVER, wrongId)).isFalse();
        byte[] badFingerprint = good.clone();
        badFingerprint[badFingerprint.length - 1] ^= 0x55;
        assertThat(client.onDatagram(SERVER, badFingerprint)).isFalse();
        assertThat(client.onDatagram(SERVER, new byte[] {(byte) 0x80, 0, 0, 1})).isFalse();
        assertThat(f).isNotDone();

        time.advance(50);
        assertThat(client.onDatagram(SERVER, good)).isTrue();
        StunResponse r = f.get();
        assertThat(r.mappedAddress()).contains(MAPPED);
        assertThat(r.rttMs()).isEqualTo(150); // since the retransmission at 500 ms
        int before = sent.size();
        time.advance(60_000);
        assertThat(sent).hasSize(before); // no more retransmissions
    }

    @Test
    void integrityProtectedTransactionsDropForgedResponses() throws Exception {
        StunMessage request = StunMessage.bindingRequest(client.newTransactionId(), new StunAttribute.Username("a:b"));
        CompletableFuture<StunResponse> f = client.request(SERVER, request, StunSeal.shortTerm("pw"), "pw".getBytes());
        StunMessage response = new StunMessage(StunMessageType.BINDING_SUCCESS, request.transactionId(),
                List.of(new StunAttribute.XorMappedAddress(MAPPED)));
        assertThat(client.onDatagram(SERVER, StunCodec.encode(response, StunSeal.shortTerm("forged")))).isTrue();
        assertThat(client.onDatagram(SERVER, StunCodec.encode(response, StunSeal.fingerprintOnly()))).isTrue();
        assertThat(f).isNotDone();
        assertThat(client.onDatagram(SERVER, StunCodec.encode(response, StunSeal.shortTerm("pw")))).isTrue();
        assertThat(f.get().isSuccess()).isTrue();
    }

    @Test
    void cancellingStopsRetransmissions() {
        CompletableFuture<StunResponse> f = client.binding(SERVER);
        f.cancel(false);
        time.advance(40_000);
        assertThat(sent).hasSize(1);
        assertThat(client.openTransactions()).isZero();
    }

    private static byte[] successFor(TransactionId id) {
        return StunCodec.encode(new StunMessage(StunMessageType.BINDING_SUCCESS, id,
                List.of(new StunAttribute.XorMappedAddress(MAPPED))), StunSeal.fingerprintOnly());
    }

    @SuppressWarnings("unused")
    private static void unwrap(CompletableFuture<?> f) throws ExecutionException, InterruptedException {
        f.get();
    }
}
