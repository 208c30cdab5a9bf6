package dev.parley.client;

import dev.parley.client.call.KeyMemory;
import dev.parley.protocol.AtomicFiles;
import dev.parley.protocol.Ed25519KeyPair;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity keys of contacts, remembered after the first call ({@link KeyMemory}) in
 * {@code DIR/contacts.txt}: one {@code "USERNAME HEX-ED25519-KEY"} per line. Read once at start;
 * every change is written atomically ({@link AtomicFiles}) on the disk executor, never on the
 * call engine's thread. At most {@value #MAX_CONTACTS} contacts (the least recently remembered go
 * first); malformed lines are skipped.
 */
final class ContactKeys implements KeyMemory {
    private static final Logger log = LoggerFactory.getLogger(ContactKeys.class);
    static final int MAX_CONTACTS = 10_000;

    private final Path file;
    private final Executor disk;
    private final Map<String, byte[]> keys; // guarded by this

    private ContactKeys(Path file, Executor disk, Map<String, byte[]> keys) {
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
        Map<String, byte[]> keys = bounded();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String[] parts = line.strip().split("\\s+");
                if (parts.length != 2 || parts[1].length() != 2 * Ed25519KeyPair.KEY_BYTES) {
                    continue;
                }
                try {
                    keys.put(parts[0], HexFormat.of().parseHex(parts[1]));
                } catch (IllegalArgumentException e) {
                    log.debug("skipping a malformed line of {}", file);
                }
            }
        }
        return new ContactKeys(file, disk, keys);
    }

    private static Map<String, byte[]> bounded() {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                return size() > MAX_CONTACTS;
            }
        };
    }

    @Override
    public synchronized byte @Nullable [] known(String username) {
        byte[] key = keys.get(username);
        return key == null ? null : key.clone();
    }

    @Override
    public void remember(String username, byte[] key) {
        synchronized (this) {
            byte[] old = keys.remove(username);
            keys.put(username, key.clone());
            if (old != null && Arrays.equals(old, key)) {
                return;
            }
        }
        disk.execute(this::save);
    }

    private void save() {
        StringBuilder text = new StringBuilder();
        synchronized (this) {
            keys.forEach((user, key) -> text.append(user).append(' ').append(HexFormat.of().formatHex(key)).append('\n'));
        }
        try {
            AtomicFiles.write(file, text.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            log.warn("saving contact keys to {} failed: {}", file, e.getMessage());
        }
    }
}
