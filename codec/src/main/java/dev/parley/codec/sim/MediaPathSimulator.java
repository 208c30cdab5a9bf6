package dev.parley.codec.sim;

import dev.parley.codec.AudioFormats;
import dev.parley.codec.opus.OpusDecoder;
import dev.parley.codec.opus.OpusEncoder;
import dev.parley.codec.opus.RateAdapter;
import dev.parley.codec.playout.JitterBuffer;
import dev.parley.codec.playout.JitterBufferStats;
import dev.parley.codec.playout.PlayoutEngine;
import dev.parley.codec.quality.EModel;
import dev.parley.codec.rtp.RtpPacket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The whole one-way media path on a virtual clock, deterministic and faster than real time:
 * capture frames → Opus encode (with {@link RateAdapter} fed a receiver report after
 * {@value #FIRST_REPORT_FRAMES} frames, then every {@value #REPORT_INTERVAL_FRAMES}, like RTCP) → RTP → {@link ImpairmentModel} → arrivals →
 * {@link PlayoutEngine} polled every 20 ms (at a phase offset from the sender's clock) → recording.
 * It runs the production classes; only the sockets and threads are replaced by the clock. Used by
 * tests and by {@code parley bench quality}.
 */
public final class MediaPathSimulator {
    static final int REPORT_INTERVAL_FRAMES = 125; // 2.5 s, as the media session's RTCP
    static final int FIRST_REPORT_FRAMES = 50;
    private static final int TAIL_FRAMES = 60;
    private static final int RECEIVER_PHASE_MS = 7;

    /**
     * Outcome of a simulated call.
     *
     * @param recording      what the receiver played, 48 kHz mono (from its first tick)
     * @param stats          receiver jitter-buffer counters at the end
     * @param networkLossPct packets lost in the network, % of sent
     * @param meanBitrateKbps mean Opus payload bitrate, kbit/s
     * @param oneWayNetworkMs mean network delay of delivered packets, ms
     */
    public record Result(short[] recording, JitterBufferStats stats, double networkLossPct, double meanBitrateKbps,
                         double oneWayNetworkMs) {
        /** @return concealed (PLC for loss) frames over all played-out slots */
        public double concealedRatio() {
            long slots = stats.played() + stats.fecFrames() + stats.concealed();
            return slots == 0 ? 0 : (double) stats.concealed() / slots;
        }

        /** @return G.107 MOS estimate with the Opus factors ({@link EModel#callMos}) */
        public double mos() {
            double residualPct = 100 * concealedRatio();
            return EModel.callMos(oneWayNetworkMs + stats.meanDelayMs() + EModel.CODEC_DELAY_MS, residualPct,
                    burstRatio(stats, concealedRatio()));
        }
    }

    private MediaPathSimulator() {
    }

    /**
     * Runs the path.
     *
     * @param clip            what the sender captures, 48 kHz mono
     * @param baseBitrateKbps encoder base bitrate, 32..64
     * @param adaptive        adaptive jitter buffer (else fixed {@code fixedDelayMs})
     * @param fixedDelayMs    delay of a fixed buffer, ms
     * @param impairment      the network
     * @return what the receiver heard and its counters
     * @throws OpusException if libopus is unavailable
     */
    public static Result run(short[] clip, int baseBitrateKbps, boolean adaptive, int fixedDelayMs,
                             ImpairmentSpec impairment) {
        int frames = (clip.length + AudioFormats.FRAME_SAMPLES - 1) / AudioFormats.FRAME_SAMPLES;
        ImpairmentModel network = new ImpairmentModel(impairment);
        RateAdapter adapter = new RateAdapter(baseBitrateKbps);
        record Arrival(long atMs, RtpPacket packet, long order) {
        }
        List<Arrival> arrivals = new ArrayList<>();
        long payloadBytes = 0;
        double delaySum = 0;
        long delivered = 0;
        try (OpusEncoder encoder = OpusEncoder.create(baseBitrateKbps)) {
            RateAdapter.apply(adapter.current(), encoder);
            byte[] out = new byte[RtpPacket.MAX_PACKET_BYTES];
            short[] pcm = new short[AudioFormats.FRAME_SAMPLES];
            long lostInInterval = 0;
            int lastReport = 0;
            int nextReport = FIRST_REPORT_FRAMES;
            for (int k = 0; k < frames; k++) {
                Arrays.fill(pcm, (short) 0);
                int from = k * AudioFormats.FRAME_SAMPLES;
                System.arraycopy(clip, from, pcm, 0, Math.min(AudioFormats.FRAME_SAMPLES, clip.length - from));
                int n = encoder.encode(pcm, out);
                payloadBytes += n;
                RtpPacket packet = RtpPacket.of(k == 0, AudioFormats.OPUS_PAYLOAD_TYPE, (40_000 + k) & 0xFFFF,
                        (4_294_000_000L + 960L * k) & 0xFFFF_FFFFL, 0x51A1L, Arrays.copyOf(out, n));
                ImpairmentModel.Verdict v = network.next();
                long sentAt = 20L * k;
                if (v.drop()) {
                    lostInInterval++;
                } else {
                    arrivals.add(new Arrival(sentAt + v.delayMs(), packet, arrivals.size()));
                    delaySum += v.delayMs();
                    delivered++;
                    if (v.duplicate()) {
                        arrivals.add(new Arrival(sentAt + v.duplicateDelayMs(), packet, arrivals.size()));
                    }
                }
                if (k + 1 == nextReport) {
                    RateAdapter.apply(adapter.onReport(lostInInterval / (double) (k + 1 - lastReport)), encoder);
                    lostInInterval = 0;
                    lastReport = k + 1;
                    nextReport += REPORT_INTERVAL_FRAMES;
                }
            }
        }
        arrivals.sort(Comparator.comparingLong(Arrival::atMs).thenComparingLong(Arrival::order));
        int ticks = frames + TAIL_FRAMES + (impairment.delayMs() + impairment.jitterMs()) / AudioFormats.FRAME_MS;
        short[] recording = new short[ticks * AudioFormats.FRAME_SAMPLES];
        short[] frame = new short[AudioFormats.FRAME_SAMPLES];
        try (PlayoutEngine engine = new PlayoutEngine(adaptive ? JitterBuffer.adaptive() : new JitterBuffer(fixedDelayMs),
                OpusDecoder.create())) {
            int next = 0;
            for (int t = 0; t < ticks; t++) {
                long now = RECEIVER_PHASE_MS + 20L * t;
                while (next < arrivals.size() && arrivals.get(next).atMs() <= now) {
                    Arrival a = arrivals.get(next++);
                    engine.offer(a.packet(), a.atMs());
                }
                engine.next(now, frame);
                System.arraycopy(frame, 0, recording, t * AudioFormats.FRAME_SAMPLES, AudioFormats.FRAME_SAMPLES);
            }
            return new Result(recording, engine.stats(), 100.0 * network.dropped() / frames,
                    payloadBytes * 8.0 / (frames * AudioFormats.FRAME_MS), delivered == 0 ? 0 : delaySum / delivered);
        }
    }

    /**
     * G.107 burst ratio of the concealed frames: observed mean run length over the mean run length
     * of random loss at the same rate, 1/(1 − p); 1 when nothing was concealed.
     */
    public static double burstRatio(JitterBufferStats s, double lossRatio) {
        if (s.lossRuns() == 0 || lossRatio <= 0 || lossRatio >= 1) {
            return 1;
        }
        double observed = (double) s.concealed() / s.lossRuns();
        return Math.max(1, observed * (1 - lossRatio));
    }
}
