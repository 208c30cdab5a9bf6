package dev.parley.login;

import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The upload each proved serve candidate delivered to the login server's burst measurement
 * ({@link UploadMeter}), by node-key fingerprint ({@code KeyVerifier.fingerprint}), in kbit/s: at most
 * what the candidate stated. The {@link Promoter} writes it when a probe proves a candidate and drops
 * it when the candidate's offer connection closes or it is found unreachable; {@code parley admin
 * supernodes} reads it ({@link AdminService}). Dedicated super nodes were never measured: no entry.
 *
 * <p>Thread-safe; bounded to {@link Promoter#MAX_CANDIDATES} entries, as the candidates are.
 */
final class UploadEstimates {
    private final Map<String, Integer> kbpsByKey = new ConcurrentHashMap<>();

    /** Records {@code key}'s measured upload (kbit/s, ≥ 0); ignored for a new key when full. */
    void put(String key, int kbps) {
        if (kbpsByKey.size() < Promoter.MAX_CANDIDATES || kbpsByKey.containsKey(key)) {
            kbpsByKey.put(key, kbps);
        }
    }

    /** Forgets {@code key}'s measurement. */
    void remove(String key) {
        kbpsByKey.remove(key);
    }

    /** @return {@code key}'s measured upload in kbit/s, or empty if it was never measured here */
    OptionalInt kbps(String key) {
        Integer kbps = kbpsByKey.get(key);
        return kbps == null ? OptionalInt.empty() : OptionalInt.of(kbps);
    }
}
