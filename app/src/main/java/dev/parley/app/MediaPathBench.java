package dev.parley.app;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.audio.Clips;
import dev.parley.codec.opus.OpusEncoder;
import dev.parley.codec.playout.PlayoutEngine;
import dev.parley.codec.rtp.MalformedPacketException;
import dev.parley.codec.rtp.RtpPacket;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
 * depacketize (parse) → adaptive jitter buffer (offer + poll) → Opus decode ({@link PlayoutEngine}).
 * A virtual clock advances 20 ms per frame, so nothing waits. CPU time comes from
 * {@link ThreadMXBean#getCurrentThreadCpuTime()}; per-stage times and percentiles from
 * {@link System#nanoTime()}. Calls per core: the same loop on N threads at once, counting CPU time
 * of all of them, with a call = two directions × 50 frames/s.
 */
final class MediaPathBench {
    private static final int WARMUP_FRAMES = 3000;

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
        final long[] stageNanos = new long[4];
        long k;

        Direction(short[] clip) {
            this.clip = clip;
            encoder.setInbandFec(true);
            encoder.setPacketLossPercent(5);
        }

        void step() throws MalformedPacketException {
            int frames = clip.length / AudioFormats.FRAME_SAMPLES;
            int at = (int) (k % frames) * AudioFormats.FRAME_SAMPLES;
            System.arraycopy(clip, at, pcm, 0, AudioFormats.FRAME_SAMPLES);
            long t0 = System.nanoTime();
            int n = encoder.encode(pcm, opus);
            long t1 = System.nanoTime();
            byte[] wire = RtpPacket.of(k == 0, 111, (int) (k & 0xFFFF), (960 * k) & 0xFFFF_FFFFL, 0xBE5CL,
                    Arrays.copyOf(opus, n)).encode();
            RtpPacket parsed = RtpPacket.decode(wire, 0, wire.length);
            long t2 = System.nanoTime();
            long now = 20 * k;
            playout.offer(parsed, now);
            long t3 = System.nanoTime();
            playout.next(now + 5, out); // poll + decode (or PLC while the buffer fills)
            long t4 = System.nanoTime();
            stageNanos[0] += t1 - t0;
            stageNanos[1] += t2 - t1;
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
            r.put("budget_share_of_20ms_pct", Reports.round(100 * cpu / 1000.0 / frames / 20_000, 2));
        }
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

    static String table(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder("\nParley media path, one direction, per 20 ms frame\n");
        row(sb, "CPU per frame (target <= 1000 us)", r.get("cpu_us_per_frame") + " us");
        row(sb, "  share of the 20 ms frame", r.get("budget_share_of_20ms_pct") + " %");
        row(sb, "  encode", r.get("encode_us") + " us");
        row(sb, "  packetize + depacketize", r.get("packetize_depacketize_us") + " us");
        row(sb, "  jitter buffer offer", r.get("jitter_buffer_offer_us") + " us");
        row(sb, "  jitter buffer poll + decode", r.get("poll_decode_us") + " us");
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
