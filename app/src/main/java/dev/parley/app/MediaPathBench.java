package dev.parley.app;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.audio.Clips;
import dev.parley.codec.opus.OpusEncoder;
import dev.parley.codec.playout.PlayoutEngine;
import dev.parley.codec.rtp.MalformedPacketException;
import dev.parley.codec.rtp.RtpPacket;
import dev.parley.codec.srtp.SrtpException;
import dev.parley.codec.srtp.SrtpMasterKey;
import dev.parley.codec.srtp.SrtpReceiver;
import dev.parley.codec.srtp.SrtpSender;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * CPU cost of one direction of the media path per 20 ms frame, measured with the production
 * classes on the calling thread: Opus encode of a speech frame → RTP packetize (encode to bytes) →
 * SRTP protect → SRTP unprotect (AEAD_AES_128_GCM, RFC 7714) → depacketize (parse) → adaptive
 * jitter buffer (offer + poll) → Opus decode ({@link PlayoutEngine}). SRTP alone is also timed in
 * a tight loop over a typical Opus packet ({@value #SRTP_RTP_BYTES} bytes: 12 header + 80 payload).
 * A virtual clock advances 20 ms per frame, so nothing waits. CPU time comes from
 * {@link ThreadMXBean#getCurrentThreadCpuTime()}; per-stage times and percentiles from
 * {@link System#nanoTime()}. Calls per core: the same loop on N threads at once, counting CPU time
 * of all of them, with a call = two directions × 50 frames/s.
 */
final class MediaPathBench {
    private static final int WARMUP_FRAMES = 3000;
    /** An Opus 32 kbit/s 20 ms packet: 80 bytes of payload behind the 12-byte RTP header. */
    static final int SRTP_RTP_BYTES = 12 + 80;
    private static final int SRTP_PACKETS = 200_000;

    private MediaPathBench() {
    }

    /** One direction of a call, stepped frame by frame. */
    private static final class Direction implements AutoCloseable {
        final short[] clip;
        final OpusEncoder encoder = OpusEncoder.create(32);
        final PlayoutEngine playout = PlayoutEngine.adaptive();
        final byte[] opus = new byte[1500];
        final short[] out = new short[AudioFormats.FRAME_SAMPLES];
        final short[] pcm = new short[AudioFormats.FRAME_SAMPLES];
        final SrtpSender srtpSender;
        final SrtpReceiver srtpReceiver;
        final byte[] srtp = new byte[RtpPacket.MAX_PACKET_BYTES];
        final byte[] rtp = new byte[RtpPacket.MAX_PACKET_BYTES];
        /** encode, packetize + depacketize, jitter buffer offer, poll + decode, SRTP protect, SRTP unprotect. */
        final long[] stageNanos = new long[6];
        long k;

        Direction(short[] clip) {
            this.clip = clip;
            SrtpMasterKey key = randomKey();
            this.srtpSender = SrtpSender.forSending(key);
            this.srtpReceiver = SrtpReceiver.forReceiving(key);
            encoder.setInbandFec(true);
            encoder.setPacketLossPercent(5);
        }

        void step() throws MalformedPacketException, SrtpException {
            int frames = clip.length / AudioFormats.FRAME_SAMPLES;
            int at = (int) (k % frames) * AudioFormats.FRAME_SAMPLES;
            System.arraycopy(clip, at, pcm, 0, AudioFormats.FRAME_SAMPLES);
            long t0 = System.nanoTime();
            int n = encoder.encode(pcm, opus);
            long t1 = System.nanoTime();
            byte[] wire = RtpPacket.of(k == 0, 111, (int) (k & 0xFFFF), (960 * k) & 0xFFFF_FFFFL, 0xBE5CL,
                    Arrays.copyOf(opus, n)).encode();
            long p0 = System.nanoTime();
            int srtpBytes = srtpSender.protectRtp(wire, 0, wire.length, srtp, 0);
            long p1 = System.nanoTime();
            int rtpBytes = srtpReceiver.unprotectRtp(srtp, 0, srtpBytes, rtp, 0);
            long p2 = System.nanoTime();
            RtpPacket parsed = RtpPacket.decode(rtp, 0, rtpBytes);
            long t2 = System.nanoTime();
            long now = 20 * k;
            playout.offer(parsed, now);
            long t3 = System.nanoTime();
            playout.next(now + 5, out); // poll + decode (or PLC while the buffer fills)
            long t4 = System.nanoTime();
            stageNanos[0] += t1 - t0;
            stageNanos[1] += (t2 - t1) - (p2 - p0);
            stageNanos[4] += p1 - p0;
            stageNanos[5] += p2 - p1;
            stageNanos[2] += t3 - t2;
            stageNanos[3] += t4 - t3;
            k++;
        }

        @Override
        public void close() {
            encoder.close();
            playout.close();
        }
    }

    static Map<String, Object> run(int frames, int threads) throws Exception {
        short[] clip = Clips.speechSample();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, Object> r = new LinkedHashMap<>();
        try (Direction d = new Direction(clip)) {
            for (int i = 0; i < WARMUP_FRAMES; i++) {
                d.step();
            }
            Arrays.fill(d.stageNanos, 0);
            long[] perFrame = new long[frames];
            long cpu0 = mx.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            for (int i = 0; i < frames; i++) {
                long t = System.nanoTime();
                d.step();
                perFrame[i] = System.nanoTime() - t;
            }
            long cpu = mx.getCurrentThreadCpuTime() - cpu0;
            long wall = System.nanoTime() - wall0;
            Arrays.sort(perFrame);
            r.put("frames", frames);
            r.put("cpu_us_per_frame", Reports.round(cpu / 1000.0 / frames, 2));
            r.put("wall_us_per_frame", Reports.round(wall / 1000.0 / frames, 2));
            r.put("p50_us", Reports.round(perFrame[frames / 2] / 1000.0, 2));
            r.put("p99_us", Reports.round(perFrame[(int) (frames * 0.99)] / 1000.0, 2));
            r.put("max_us", Reports.round(perFrame[frames - 1] / 1000.0, 2));
            r.put("encode_us", Reports.round(d.stageNanos[0] / 1000.0 / frames, 2));
            r.put("packetize_depacketize_us", Reports.round(d.stageNanos[1] / 1000.0 / frames, 2));
            r.put("jitter_buffer_offer_us", Reports.round(d.stageNanos[2] / 1000.0 / frames, 2));
            r.put("poll_decode_us", Reports.round(d.stageNanos[3] / 1000.0 / frames, 2));
            r.put("srtp_protect_in_path_us", Reports.round(d.stageNanos[4] / 1000.0 / frames, 2));
            r.put("srtp_unprotect_in_path_us", Reports.round(d.stageNanos[5] / 1000.0 / frames, 2));
            // The two halves of a direction: the sender's thread and the receiver's.
            r.put("send_us_per_frame", Reports.round((d.stageNanos[0] + d.stageNanos[4]) / 1000.0 / frames, 2));
            r.put("receive_us_per_frame", Reports.round(
                    (d.stageNanos[5] + d.stageNanos[2] + d.stageNanos[3]) / 1000.0 / frames, 2));
            r.put("budget_share_of_20ms_pct", Reports.round(100 * cpu / 1000.0 / frames / 20_000, 2));
        }
        r.putAll(srtp(mx));
        // Concurrent: every thread runs its own directions; CPU time summed over the threads.
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            int perThread = Math.max(2000, frames / 2);
            long wall0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    try (Direction d = new Direction(clip)) {
                        for (int i = 0; i < WARMUP_FRAMES; i++) {
                            d.step();
                        }
                        long c0 = mx.getCurrentThreadCpuTime();
                        for (int i = 0; i < perThread; i++) {
                            d.step();
                        }
                        return new long[] {mx.getCurrentThreadCpuTime() - c0, perThread};
                    }
                }));
            }
            long cpu = 0;
            long done = 0;
            for (Future<long[]> f : results) {
                long[] v = f.get();
                cpu += v[0];
                done += v[1];
            }
            long wall = System.nanoTime() - wall0;
            double cpuPerFrameUs = cpu / 1000.0 / done;
            // A call is two directions of 50 frames/s each: 100 frames of work per second of call.
            double callsPerCore = 1_000_000.0 / (cpuPerFrameUs * 100);
            r.put("threads", threads);
            r.put("concurrent_cpu_us_per_frame", Reports.round(cpuPerFrameUs, 2));
            r.put("concurrent_frames_per_wall_second", Reports.round(done / (wall / 1e9), 2));
            r.put("calls_per_core", Math.floor(callsPerCore));
            r.put("calls_per_machine", Math.floor(callsPerCore * threads));
        } finally {
            pool.shutdownNow();
        }
        return r;
    }

    /**
     * SRTP alone: protect then unprotect {@value #SRTP_PACKETS} packets of {@value #SRTP_RTP_BYTES}
     * bytes with reused buffers, CPU time per packet for each.
     */
    private static Map<String, Object> srtp(ThreadMXBean mx) throws SrtpException {
        SrtpMasterKey key = randomKey();
        SrtpSender sender = SrtpSender.forSending(key);
        SrtpReceiver receiver = SrtpReceiver.forReceiving(key);
        byte[] payload = new byte[SRTP_RTP_BYTES - RtpPacket.HEADER_BYTES];
        new SecureRandom().nextBytes(payload);
        byte[] rtp = RtpPacket.of(false, 111, 0, 0, 0x5EC0L, payload).encode();
        byte[][] srtp = new byte[SRTP_PACKETS][];
        byte[] out = new byte[RtpPacket.MAX_PACKET_BYTES];
        long protectNanos = 0;
        long unprotectNanos = 0;
        for (int pass = 0; pass < 2; pass++) { // the first pass warms up
            for (int i = 0; i < SRTP_PACKETS; i++) {
                srtp[i] = new byte[SRTP_RTP_BYTES + SrtpSender.RTP_OVERHEAD_BYTES];
            }
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < SRTP_PACKETS; i++) {
                int seq = pass * SRTP_PACKETS + i;
                rtp[2] = (byte) (seq >>> 8);
                rtp[3] = (byte) seq;
                sender.protectRtp(rtp, 0, rtp.length, srtp[i], 0);
            }
            long c1 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < SRTP_PACKETS; i++) {
                receiver.unprotectRtp(srtp[i], 0, srtp[i].length, out, 0);
            }
            long c2 = mx.getCurrentThreadCpuTime();
            protectNanos = c1 - c0;
            unprotectNanos = c2 - c1;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("srtp_packet_bytes", SRTP_RTP_BYTES);
        r.put("srtp_protect_us_per_packet", Reports.round(protectNanos / 1000.0 / SRTP_PACKETS, 3));
        r.put("srtp_unprotect_us_per_packet", Reports.round(unprotectNanos / 1000.0 / SRTP_PACKETS, 3));
        return r;
    }

    private static SrtpMasterKey randomKey() {
        SecureRandom random = new SecureRandom();
        byte[] key = new byte[SrtpMasterKey.KEY_BYTES];
        byte[] salt = new byte[SrtpMasterKey.SALT_BYTES];
        random.nextBytes(key);
        random.nextBytes(salt);
        return new SrtpMasterKey(key, salt);
    }

    static String table(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder("\nParley media path, one direction, per 20 ms frame\n");
        row(sb, "CPU per frame (target <= 1000 us)", r.get("cpu_us_per_frame") + " us");
        row(sb, "  share of the 20 ms frame", r.get("budget_share_of_20ms_pct") + " %");
        row(sb, "  encode", r.get("encode_us") + " us");
        row(sb, "  packetize + depacketize", r.get("packetize_depacketize_us") + " us");
        row(sb, "  SRTP protect / unprotect", r.get("srtp_protect_in_path_us") + " / " + r.get("srtp_unprotect_in_path_us") + " us");
        row(sb, "  jitter buffer offer", r.get("jitter_buffer_offer_us") + " us");
        row(sb, "  jitter buffer poll + decode", r.get("poll_decode_us") + " us");
        row(sb, "send: encode + protect", r.get("send_us_per_frame") + " us");
        row(sb, "receive: unprotect + jitter buffer + decode", r.get("receive_us_per_frame") + " us");
        row(sb, "SRTP, " + r.get("srtp_packet_bytes") + "-byte packet: protect / unprotect",
                r.get("srtp_protect_us_per_packet") + " / " + r.get("srtp_unprotect_us_per_packet") + " us");
        row(sb, "wall per frame p50 / p99 / max", r.get("p50_us") + " / " + r.get("p99_us") + " / " + r.get("max_us") + " us");
        row(sb, "concurrent (" + r.get("threads") + " threads) CPU per frame", r.get("concurrent_cpu_us_per_frame") + " us");
        row(sb, "calls per core (2 directions x 50 fps)", r.get("calls_per_core"));
        row(sb, "calls on this machine (CPU only)", r.get("calls_per_machine"));
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Object value) {
        sb.append(String.format(Locale.ROOT, "  %-42s %s%n", name, value));
    }
}
