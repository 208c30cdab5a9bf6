package dev.parley.client;

import dev.parley.client.chat.ChatListener;
import dev.parley.client.chat.ChatMessage;
import dev.parley.client.chat.MessageStatus;
import dev.parley.client.chat.Presence;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Records a client's chat events, with the monotonic time each arrived; waits with deadlines. */
final class ChatEvents implements ChatListener {
    record Timed<T>(T event, long atNanos) {}

    record PresenceEvent(String contact, Presence presence) {}

    record ReceiptEvent(String contact, String id, MessageStatus status) {}

    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> answers = new CopyOnWriteArrayList<>();
    final List<Timed<PresenceEvent>> presence = new CopyOnWriteArrayList<>();
    final List<ChatMessage> messages = new CopyOnWriteArrayList<>();
    final List<ReceiptEvent> receipts = new CopyOnWriteArrayList<>();
    final List<String> keyChanges = new CopyOnWriteArrayList<>();

    @Override
    public void onContactRequest(String from, String text) {
        requests.add(from + ":" + text);
    }

    @Override
    public void onContactAnswered(String contact, boolean accepted) {
        answers.add(contact + ":" + accepted);
    }

    @Override
    public void onPresence(String contact, Presence p) {
        presence.add(new Timed<>(new PresenceEvent(contact, p), System.nanoTime()));
    }

    @Override
    public void onMessage(ChatMessage message) {
        messages.add(message);
    }

    @Override
    public void onReceipt(String contact, String messageId, MessageStatus status) {
        receipts.add(new ReceiptEvent(contact, messageId, status));
    }

    @Override
    public void onContactNewDevice(String contact, String fingerprint) {
        keyChanges.add(contact + " " + fingerprint);
    }

    /** @return the nanoTime at which {@code contact} was first seen with {@code p} at or after {@code sinceNanos} */
    long awaitPresence(String contact, Presence p, long sinceNanos, long timeoutMs) throws InterruptedException {
        long[] at = new long[1];
        await("presence " + contact + " " + p, timeoutMs, () -> presence.stream()
                .filter(t -> t.atNanos() >= sinceNanos && t.event().contact().equals(contact) && t.event().presence().equals(p))
                .findFirst().map(t -> at[0] = t.atNanos()).isPresent());
        return at[0];
    }

    static void await(String what, long timeoutMs, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(10); // polling with a deadline
        }
    }
}
