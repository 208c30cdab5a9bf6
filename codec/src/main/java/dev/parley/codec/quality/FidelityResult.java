package dev.parley.codec.quality;

import java.util.Locale;

/**
 * Outcome of {@link Fidelity#score}.
 *
 * @param score                 0..1, the product of the two correlations; compare with {@link Fidelity#PASS_THRESHOLD}
 * @param lagSamples            recording delay found by cross-correlation: {@code recording[n + lag] ≈ reference[n]},
 *                              at 48 kHz (negative when the recording starts early)
 * @param spectralCorrelation   0..1, mean over active frames of the correlation of mean-normalized log power spectra
 * @param envelopeCorrelation   0..1, correlation of the frame log-energy trajectories over active frames
 * @param activeFrames          number of reference frames with speech (within 40 dB of the loudest)
 * @param endLagSamples         lag of the last re-aligned segment: the delay at the end of the recording, which
 *                              differs from {@code lagSamples} when the playout delay changed during the call
 */
public record FidelityResult(double score, int lagSamples, double spectralCorrelation, double envelopeCorrelation,
                             int activeFrames, int endLagSamples) {
    /** @return whether {@link #score} reaches {@link Fidelity#PASS_THRESHOLD} */
    public boolean passed() {
        return score >= Fidelity.PASS_THRESHOLD;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "FidelityResult[score=%.3f, lagSamples=%d, spectral=%.3f, envelope=%.3f, activeFrames=%d, endLagSamples=%d]",
                score, lagSamples, spectralCorrelation, envelopeCorrelation, activeFrames, endLagSamples);
    }
}
