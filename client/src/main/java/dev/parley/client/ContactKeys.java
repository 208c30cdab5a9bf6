package dev.parley.client;

import dev.parley.client.call.KeyMemory;
import dev.parley.protocol.AtomicFiles;
import dev.parley.protocol.Ed25519KeyPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity keys of contacts' devices, remembered after the first call or chat packet
 * ({@link KeyMemory}) in {@code DIR/contacts.txt}: one {@code "USERNAME HEX-ED25519-KEY"} per line
 * and device, a contact's devices on consecutive lines, least recently seen first. The file of
 * older versions (one line per contact) reads as one device per contact and is rewritten in the
 * same format on the next change. Read once at start; every change is written atomically and
 * fsynced ({@link AtomicFiles}) on the disk executor, never on the call engine's thread. At most
 * {@value #MAX_CONTACTS} contacts (the least recently remembered go first) and
 * {@value KeyMemory#MAX_KEYS_PER_CONTACT} keys per contact; malformed lines are skipped.
 */
final class ContactKeys implements KeyMemory {
    private static final Logger log = LoggerFactory.getLogger(ContactKeys.class);
    static final int MAX_CONTACTS = 10_000;

    private final Path file;
    private final Executor disk;
    private final Map<String, List<byte[]>> keys; // guarded by this

    private ContactKeys(Path file, Executor disk, Map<String, List<byte[]>> keys) {
        this.file = file;
        this.disk = disk;
        this.keys = keys;
    }

    /**
     * @param file the contacts file (missing: no contacts yet)
     * @param disk where writes run
     * @throws IOException if the file exists but cannot be read
     */
    static ContactKeys load(Path file, Executor disk) throws IOException {
        Map<String, List<byte[]>> keys = bounded();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] parts = line.strip().split("\\s+");
                if (parts.length != 2 || parts[1].length() != 2 * Ed25519KeyPair.KEY_BYTES) {
                    continue;
                }
                try {
                    add(keys.computeIfAbsent(parts[0], k -> new ArrayList<>()), HexFormat.of().parseHex(parts[1]));
                } catch (IllegalArgumentException e) {
                    log.debug("skipping a malformed line of {}", file);
                }
            }
        }
        return new ContactKeys(file, disk, keys);
    }

    /** Adds or moves {@code key} last in a contact's list; @return whether it was new */
    private static boolean add(List<byte[]> devices, byte[] key) {
        boolean known = devices.removeIf(k -> Arrays.equals(k, key));
        devices.add(key.clone());
        if (devices.size() > MAX_KEYS_PER_CONTACT) {
            devices.removeFirst();
        }
        return !known;
    }

    private static Map<String, List<byte[]>> bounded() {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, List<byte[]>> eldest) {
                return size() > MAX_CONTACTS;
            }
        };
    }

    @Override
    public synchronized List<byte[]> devices(String username) {
        List<byte[]> out = new ArrayList<>();
        keys.getOrDefault(username, List.of()).forEach(k -> out.add(k.clone()));
        return out;
    }

    @Override
    public void remember(String username, byte[] key) {
        synchronized (this) {
            List<byte[]> devices = keys.remove(username); // re-inserted: most recently remembered contact
            if (devices == null) {
                devices = new ArrayList<>();
            }
            keys.put(username, devices);
            byte[] newest = devices.isEmpty() ? null : devices.getLast();
            add(devices, key);
            if (newest != null && Arrays.equals(newest, key)) {
                return; // nothing changed on disk
            }
        }
        disk.execute(this::save);
    }

    private void save() {
        StringBuilder text = new StringBuilder();
        synchronized (this) {
            keys.forEach((user, devices) -> devices.forEach(
                    key -> text.append(user).append(' ').append(HexFormat.of().formatHex(key)).append('\n')));
        }
        try {
            AtomicFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            log.warn("saving contact keys to {} failed: {}", file, e.getMessage());
        }
    }
}
