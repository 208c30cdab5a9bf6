package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.parley.client.call.KeyMemory;
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
    void rememberedDeviceKeysSurviveARestartAndANewOneIsAddedToTheSet() throws Exception {
        Path file = dir.resolve("contacts.txt");
        ContactKeys keys = ContactKeys.load(file, Runnable::run); // writes inline: the test sees the file at once
        assertThat(keys.known("bob")).isNull();
        keys.remember("bob", key(1));
        keys.remember("carol", key(2));
        assertThat(ContactKeys.load(file, Runnable::run).known("bob")).isEqualTo(key(1));

        keys.remember("bob", key(3)); // bob's second device
        ContactKeys reloaded = ContactKeys.load(file, Runnable::run);
        assertThat(reloaded.known("bob")).as("most recently seen").isEqualTo(key(3));
        assertThat(reloaded.devices("bob")).containsExactly(key(1), key(3));
        assertThat(reloaded.knows("bob", key(1))).isTrue();
        assertThat(reloaded.knows("bob", key(2))).isFalse();
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

    /** contacts.txt of older versions (one key per contact) reads as one device each and is rewritten with every device. */
    @Test
    void anOldFileMigratesAndTheKeysPerContactAreBounded() throws Exception {
        Path file = dir.resolve("contacts.txt");
        Files.writeString(file, "bob " + "01".repeat(32) + "\ncarol " + "02".repeat(32) + "\n", StandardCharsets.UTF_8);
        ContactKeys keys = ContactKeys.load(file, Runnable::run);
        assertThat(keys.devices("bob")).containsExactly(key(1));
        keys.remember("bob", key(3));
        assertThat(Files.readAllLines(file)).containsExactly("carol " + "02".repeat(32), "bob " + "01".repeat(32),
                "bob " + "03".repeat(32));
        for (int i = 10; i < 10 + KeyMemory.MAX_KEYS_PER_CONTACT; i++) {
            keys.remember("bob", key(i));
        }
        ContactKeys reloaded = ContactKeys.load(file, Runnable::run);
        assertThat(reloaded.devices("bob")).hasSize(KeyMemory.MAX_KEYS_PER_CONTACT);
        assertThat(reloaded.knows("bob", key(1))).as("the least recently seen went first").isFalse();
        assertThat(reloaded.knows("bob", key(10 + KeyMemory.MAX_KEYS_PER_CONTACT - 1))).isTrue();
    }
}
