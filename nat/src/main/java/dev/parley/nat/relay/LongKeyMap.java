package dev.parley.nat.relay;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A map from non-negative {@code long} keys to values, open addressing with linear probing: the
 * relay's index of latched IPv4 sources ({@link RelayAllocationTable#ipv4Key}), looked up per
 * datagram without a key object or a chain of address objects to compare. Grows at half full;
 * its size is bounded by its owner (the table's latched parties). Not thread-safe (loop-confined).
 */
final class LongKeyMap<V> {
    private static final long FREE = -1;
    private long[] keys;
    private @Nullable Object[] values;
    private int size;

    LongKeyMap() {
        keys = new long[16];
        Arrays.fill(keys, FREE);
        values = new Object[16];
    }

    private static int home(long key, int mask) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> 32) & mask;
    }

    private int slot(long key) {
        int mask = keys.length - 1;
        int i = home(key, mask);
        while (keys[i] != key && keys[i] != FREE) {
            i = (i + 1) & mask;
        }
        return i;
    }

    /** @return the value of {@code key}, or null */
    @SuppressWarnings("unchecked")
    @Nullable V get(long key) {
        return (V) values[slot(key)];
    }

    /** @param key >= 0 */
    void put(long key, V value) {
        if (key < 0) {
            throw new IllegalArgumentException(String.format("key: %d (expected: >= 0)", key));
        }
        if (2 * (size + 1) > keys.length) {
            grow();
        }
        int i = slot(key);
        if (keys[i] == FREE) {
            keys[i] = key;
            size++;
        }
        values[i] = value;
    }

    /** Removes {@code key} if present, shifting later entries of its probe run back (no tombstones). */
    void remove(long key) {
        int i = slot(key);
        if (keys[i] == FREE) {
            return;
        }
        int mask = keys.length - 1;
        int hole = i;
        for (int j = (i + 1) & mask; keys[j] != FREE; j = (j + 1) & mask) {
            // The entry at j may fill the hole if the hole lies on its probe path (home .. j).
            if (((j - home(keys[j], mask)) & mask) >= ((j - hole) & mask)) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
        }
        keys[hole] = FREE;
        values[hole] = null;
        size--;
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] oldKeys = keys;
        @Nullable Object[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        Arrays.fill(keys, FREE);
        values = new Object[keys.length];
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != FREE) {
                int s = slot(oldKeys[i]);
                keys[s] = oldKeys[i];
                values[s] = oldValues[i];
            }
        }
    }
}
