package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContactKeysTest {
    @TempDir
    Path dir;

    private static byte[] key(int b) {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) b);
        return k;
    }

    @Test
    void aRememberedKeySurvivesARestartAndAChangedOneReplacesIt() throws Exception {
        Path file = dir.resolve("contacts.txt");
        ContactKeys keys = ContactKeys.load(file, Runnable::run); // writes inline: the test sees the file at once
        assertThat(keys.known("bob")).isNull();
        keys.remember("bob", key(1));
        keys.remember("carol", key(2));
        assertThat(ContactKeys.load(file, Runnable::run).known("bob")).isEqualTo(key(1));

        keys.remember("bob", key(3));
        ContactKeys reloaded = ContactKeys.load(file, Runnable::run);
        assertThat(reloaded.known("bob")).isEqualTo(key(3));
        assertThat(reloaded.known("carol")).isEqualTo(key(2));
        assertThat(Files.list(dir)).as("no temporary file left behind").containsExactly(file);
    }

    @Test
    void malformedLinesAreSkipped() throws Exception {
        Path file = dir.resolve("contacts.txt");
        Files.writeString(file, "bob " + "ab".repeat(32) + "\ngarbage\ncarol zz" + "00".repeat(31) + "\ndave 1234\n",
                StandardCharsets.UTF_8);
        ContactKeys keys = ContactKeys.load(file, Runnable::run);
        assertThat(keys.known("bob")).hasSize(32);
        assertThat(keys.known("carol")).isNull();
        assertThat(keys.known("dave")).isNull();
    }
}
