package dev.parley.codec.srtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.codec.rtp.Rtcp;
import dev.parley.codec.rtp.RtcpPacket;
import dev.parley.codec.rtp.RtpPacket;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SrtpSessionTest {
    private static final long SSRC = 0x1234_5678L;

    @Test
    void roundTripsBothDirectionsWithHeadersReadableAndPayloadsEncrypted() throws Exception {
        SrtpKeys callerKeys = keys(1);
        SrtpSession caller = SrtpSession.of(callerKeys);
        SrtpSession callee = SrtpSession.of(new SrtpKeys(callerKeys.receive(), callerKeys.send()));
        byte[] rtp = rtp(40_000, opusLikePayload(80)).encode();

        byte[] srtp = caller.protectRtp(rtp);

        assertThat(srtp).hasSize(rtp.length + SrtpSender.RTP_OVERHEAD_BYTES);
        assertThat(Arrays.copyOf(srtp, RtpPacket.HEADER_BYTES)).isEqualTo(Arrays.copyOf(rtp, RtpPacket.HEADER_BYTES));
        assertThat(indexOf(srtp, Arrays.copyOfRange(rtp, 12, 28))).isEqualTo(-1); // payload not in the clear
        assertThat(callee.unprotectRtp(srtp, 0, srtp.length)).isEqualTo(rtp);
        byte[] back = callee.protectRtp(rtp(7, new byte[] {1, 2, 3}).encode());
        assertThat(RtpPacket.decode(caller.unprotectRtp(back, 0, back.length), 0, back.length - 16).payload())
                .containsExactly(1, 2, 3);
        assertThat(callee.stats()).isEqualTo(new SrtpStats(1, 0, 0, 0, 0, 0));
    }

    @Test
    void authenticatesCsrcsAndTheHeaderExtension() throws Exception {
        SrtpKeys keys = keys(2);
        SrtpSender sender = SrtpSender.forSending(keys.send());
        SrtpReceiver receiver = SrtpReceiver.forReceiving(keys.send());
        byte[] rtp = new RtpPacket(true, 111, 9, 960, SSRC, new long[] {0xAAL, 0xBBL},
                new RtpPacket.Extension(0xBEDE, new byte[] {1, 0x22, 0, 0}), new byte[] {5, 6, 7}, 4).encode();
        byte[] srtp = sender.protectRtp(rtp);
        int headerBytes = RtpPacket.headerLength(rtp, 0, rtp.length);
        assertThat(headerBytes).isEqualTo(12 + 8 + 8);
        assertThat(Arrays.copyOf(srtp, headerBytes)).isEqualTo(Arrays.copyOf(rtp, headerBytes));

        byte[] forgedExtension = srtp.clone();
        forgedExtension[headerBytes - 3] ^= 0x01; // the extension data: readable, not forgeable
        assertDrop(receiver, forgedExtension, SrtpDropReason.AUTHENTICATION);
        assertThat(receiver.unprotectRtp(srtp, 0, srtp.length)).isEqualTo(rtp);
    }

    @Test
    void carriesTheRolloverCounterAcrossTheSequenceWrapAndToleratesReordering() throws Exception {
        SrtpKeys keys = keys(3);
        SrtpSender sender = SrtpSender.forSending(keys.send());
        SrtpReceiver receiver = SrtpReceiver.forReceiving(keys.send());
        byte[][] sent = new byte[300][];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = sender.protectRtp(rtp((65_400 + i) & 0xFFFF, new byte[] {(byte) i}).encode());
        }
        // Deliver in order with swaps of neighbours: some packets of ROC 1 come before the last of ROC 0.
        for (int i = 0; i < sent.length; i += 2) {
            for (int j : new int[] {i + 1, i}) {
                byte[] plain = receiver.unprotectRtp(sent[j], 0, sent[j].length);
                assertThat(RtpPacket.decode(plain, 0, plain.length).payload()).containsExactly((byte) j);
            }
        }
        assertThat(receiver.stats().rtpPackets()).isEqualTo(300);
        assertThat(receiver.stats().droppedTotal()).isZero();
    }

    @Test
    void aPacketProtectedWithTheWrongRocFailsAuthentication() {
        // Proves the ROC is in the IV: the receiver must guess the same ROC as the sender.
        SrtpKeys keys = keys(4);
        SrtpSender sender = SrtpSender.forSending(keys.send());
        for (int seq = 65_530; seq <= 65_535; seq++) {
            sender.protectRtp(rtp(seq, new byte[1]).encode());
        }
        byte[] afterWrap = sender.protectRtp(rtp(5, new byte[1]).encode()); // ROC 1
        SrtpReceiver fresh = SrtpReceiver.forReceiving(keys.send()); // guesses ROC 0 for a new stream
        assertDrop(fresh, afterWrap, SrtpDropReason.AUTHENTICATION);
    }

    @Test
    void dropsReplaysOfRecentAndOldPackets() throws Exception {
        SrtpKeys keys = keys(5);
        SrtpSender sender = SrtpSender.forSending(keys.send());
        SrtpReceiver receiver = SrtpReceiver.forReceiving(keys.send());
        byte[][] sent = new byte[200][];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = sender.protectRtp(rtp(100 + i, new byte[] {(byte) i}).encode());
        }
        receiver.unprotectRtp(sent[0], 0, sent[0].length);
        assertDrop(receiver, sent[0], SrtpDropReason.REPLAY); // the same packet again
        receiver.unprotectRtp(sent[199], 0, sent[199].length);
        int oldestInWindow = 199 - (ReplayWindow.SIZE - 1);
        receiver.unprotectRtp(sent[oldestInWindow], 0, sent[oldestInWindow].length); // late, within the window: fine
        assertDrop(receiver, sent[oldestInWindow - 1], SrtpDropReason.REPLAY); // older than the window: cannot tell
        assertDrop(receiver, sent[199], SrtpDropReason.REPLAY);
        assertDrop(receiver, sent[oldestInWindow], SrtpDropReason.REPLAY);
        assertDrop(receiver, sent[1], SrtpDropReason.REPLAY);
        assertThat(receiver.stats()).isEqualTo(new SrtpStats(3, 0, 0, 0, 5, 0));
    }

    @Test
    void dropsTamperedHeaderPayloadTagAndTruncatedPackets() throws Exception {
        SrtpKeys keys = keys(6);
        SrtpSender sender = SrtpSender.forSending(keys.send());
        SrtpReceiver receiver = SrtpReceiver.forReceiving(keys.send());
        byte[] srtp = sender.protectRtp(rtp(1, opusLikePayload(80)).encode());
        for (int at : new int[] {1, 4, 7, 20, srtp.length - 17, srtp.length - 1}) { // PT, ts, ssrc, payload, tag
            byte[] tampered = srtp.clone();
            tampered[at] ^= 0x40;
            assertDrop(receiver, tampered, SrtpDropReason.AUTHENTICATION);
        }
        assertDrop(receiver, Arrays.copyOf(srtp, srtp.length - 1), SrtpDropReason.AUTHENTICATION);
        assertDrop(receiver, Arrays.copyOf(srtp, 27), SrtpDropReason.MALFORMED);
        assertDrop(receiver, Arrays.copyOf(srtp, 5), SrtpDropReason.MALFORMED);
        assertDrop(receiver, new byte[1501], SrtpDropReason.MALFORMED);
        assertThat(receiver.stats()).isEqualTo(new SrtpStats(0, 0, 3, 7, 0, 0));
        // None of the forgeries moved the replay window: the genuine packet still gets through.
        assertThat(receiver.unprotectRtp(srtp, 0, srtp.length)).hasSize(srtp.length - 16);
    }

    @Test
    void dropsPacketsUnderAnotherKey() {
        SrtpSender sender = SrtpSender.forSending(keys(7).send());
        SrtpReceiver receiver = SrtpReceiver.forReceiving(keys(8).send());
        assertDrop(receiver, sender.protectRtp(rtp(1, new byte[10]).encode()), SrtpDropReason.AUTHENTICATION);
        byte[] srtcp = sender.protectRtcp(rtcp());
        assertThatThrownBy(() -> receiver.unprotectRtcp(srtcp, 0, srtcp.length))
                .isInstanceOfSatisfying(SrtpException.class,
                        e -> assertThat(e.reason()).isEqualTo(SrtpDropReason.AUTHENTICATION));
    }

    @Test
    void forgedPacketsDoNotCreateStreamsAndNewStreamsAreBounded() throws Exception {
        SrtpKeys keys = keys(9);
        SrtpSender sender = SrtpSender.forSending(keys.send());
        SrtpReceiver receiver = SrtpReceiver.forReceiving(keys.send());
        SrtpMasterKey forgersKey = keys(10).send();
        for (int i = 0; i < 1000; i++) {
            byte[] forged = SrtpSender.forSending(forgersKey).protectRtp(RtpPacket.of(false, 111, 1, 0, i, new byte[4]).encode());
            assertDrop(receiver, forged, SrtpDropReason.AUTHENTICATION); // 1000 SSRCs, none remembered
        }
        for (int s = 0; s < SrtpReceiver.MAX_STREAMS; s++) {
            byte[] genuine = sender.protectRtp(RtpPacket.of(false, 111, 1, 0, s, new byte[4]).encode());
            receiver.unprotectRtp(genuine, 0, genuine.length);
        }
        byte[] oneTooMany = SrtpSender.forSending(keys.send()).protectRtp(RtpPacket.of(false, 111, 1, 0, 999, new byte[4]).encode());
        assertDrop(receiver, oneTooMany, SrtpDropReason.UNKNOWN_STREAM);
        assertThat(receiver.stats().rtpPackets()).isEqualTo(SrtpReceiver.MAX_STREAMS);
    }

    @Test
    void senderNeverProtectsTheSameIndexTwice() {
        // A repeated SEQ would reuse a GCM (key, IV) pair, which leaks the authentication key.
        SrtpSender sender = SrtpSender.forSending(keys(11).send());
        byte[] rtp = rtp(500, new byte[3]).encode();
        sender.protectRtp(rtp);
        assertThatThrownBy(() -> sender.protectRtp(rtp)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("srtpIndex: 500 (expected: > 500, a sequence number is never protected twice)");
        assertThatThrownBy(() -> sender.protectRtp(rtp(499, new byte[3]).encode()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(sender.protectRtp(rtp(501, new byte[3]).encode())).hasSize(rtp.length + 16);
    }

    @Test
    void protectsAndUnprotectsInPlace() throws Exception {
        SrtpKeys keys = keys(12);
        SrtpSender sender = SrtpSender.forSending(keys.send());
        SrtpReceiver receiver = SrtpReceiver.forReceiving(keys.send());
        byte[] rtp = rtp(3, opusLikePayload(80)).encode();
        byte[] buf = Arrays.copyOf(rtp, RtpPacket.MAX_PACKET_BYTES);
        int srtpLen = sender.protectRtp(buf, 0, rtp.length, buf, 0);
        assertThat(Arrays.copyOf(buf, srtpLen)).isNotEqualTo(Arrays.copyOf(rtp, srtpLen));
        int rtpLen = receiver.unprotectRtp(buf, 0, srtpLen, buf, 0);
        assertThat(Arrays.copyOf(buf, rtpLen)).isEqualTo(rtp);
    }

    @Test
    void roundTripsSrtcpAndDropsItsReplays() throws Exception {
        SrtpKeys keys = keys(13);
        SrtpSender sender = SrtpSender.forSending(keys.send());
        SrtpReceiver receiver = SrtpReceiver.forReceiving(keys.send());
        byte[] rtcp = rtcp();
        byte[] first = sender.protectRtcp(rtcp);
        byte[] second = sender.protectRtcp(rtcp);

        assertThat(first).hasSize(rtcp.length + SrtpSender.RTCP_OVERHEAD_BYTES);
        assertThat(Arrays.copyOf(first, 8)).isEqualTo(Arrays.copyOf(rtcp, 8));
        assertThat(Arrays.copyOfRange(first, first.length - 4, first.length)).containsExactly(0x80, 0, 0, 0);
        assertThat(Arrays.copyOfRange(second, second.length - 4, second.length)).containsExactly(0x80, 0, 0, 1);
        assertThat(first).isNotEqualTo(second); // a new IV per packet
        List<RtcpPacket> decoded = Rtcp.decode(receiver.unprotectRtcp(second, 0, second.length), 0, rtcp.length);
        assertThat(decoded).isEqualTo(Rtcp.decode(rtcp, 0, rtcp.length));
        assertThat(receiver.unprotectRtcp(first, 0, first.length)).isEqualTo(rtcp); // reordered: fine
        assertThatThrownBy(() -> receiver.unprotectRtcp(first, 0, first.length))
                .isInstanceOfSatisfying(SrtpException.class, e -> assertThat(e.reason()).isEqualTo(SrtpDropReason.REPLAY));
        byte[] forgedIndex = second.clone();
        forgedIndex[forgedIndex.length - 1] = 9; // the index is authenticated
        assertThatThrownBy(() -> receiver.unprotectRtcp(forgedIndex, 0, forgedIndex.length))
                .isInstanceOfSatisfying(SrtpException.class,
                        e -> assertThat(e.reason()).isEqualTo(SrtpDropReason.AUTHENTICATION));
        assertThat(receiver.stats()).isEqualTo(new SrtpStats(0, 2, 0, 1, 1, 0));
    }

    static SrtpKeys keys(int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] a = new byte[16];
        byte[] b = new byte[12];
        byte[] c = new byte[16];
        byte[] d = new byte[12];
        random.nextBytes(a);
        random.nextBytes(b);
        random.nextBytes(c);
        random.nextBytes(d);
        return new SrtpKeys(new SrtpMasterKey(a, b), new SrtpMasterKey(c, d));
    }

    static RtpPacket rtp(int seq, byte[] payload) {
        return RtpPacket.of(false, 111, seq, 960L * seq, SSRC, payload);
    }

    static byte[] opusLikePayload(int bytes) {
        byte[] payload = new byte[bytes];
        new SplittableRandom(bytes).nextBytes(payload);
        return payload;
    }

    static byte[] rtcp() {
        return Rtcp.encode(List.of(new RtcpPacket.ReceiverReport(SSRC, List.of())));
    }

    private static void assertDrop(SrtpReceiver receiver, byte[] srtp, SrtpDropReason reason) {
        assertThatThrownBy(() -> receiver.unprotectRtp(srtp, 0, srtp.length))
                .isInstanceOfSatisfying(SrtpException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
