package dev.parley.client.chat;

import dev.parley.protocol.ChatSeals;
import dev.parley.protocol.wire.ChatBody;
import dev.parley.protocol.wire.ContactAnswer;
import dev.parley.protocol.wire.ContactRequest;
import dev.parley.protocol.wire.Credential;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * This user's side of the contact handshake (docs/protocol.md "Contacts"): asking a user to become
 * a contact (a {@code ContactRequest} to every device of theirs, with a note of at most
 * {@value ChatSeals#MAX_REQUEST_TEXT_CHARS} characters) and answering a pending request (a
 * {@code ContactAnswer}; accepting starts the presence exchange and syncs this user's other
 * devices). Both go through the outbox. Requests and answers from others are {@link ChatInbound}'s.
 * The futures complete on the chat thread; the work runs there.
 */
final class ContactRequests {
    private final ChatService chat;

    ContactRequests(ChatService chat) {
        this.chat = chat;
    }

    /** {@link ChatService#requestContact}: the same contract. */
    CompletableFuture<Void> request(String name, String text) {
        if (text.length() > ChatSeals.MAX_REQUEST_TEXT_CHARS) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(String.format(
                    "request text: %d characters (expected: <= %d)", text.length(), ChatSeals.MAX_REQUEST_TEXT_CHARS)));
        }
        return chat.onThread(() -> {
            String user = ChatService.canonical(name);
            if (user.equals(chat.username())) {
                throw new IllegalArgumentException("requestContact: that is you");
            }
            var existing = chat.store.contact(user);
            if (existing.isPresent()) {
                switch (existing.get().state()) {
                    case ACCEPTED -> throw new IllegalStateException(user + " is already a contact");
                    case REQUESTED -> throw new IllegalStateException("a request to " + user + " is pending");
                    case PENDING -> {
                        return answer(user, true);
                    }
                    default -> { }
                }
            }
            Credential known = existing.map(ChatStore.StoredContact::credential).orElse(null);
            CompletableFuture<List<Credential>> peer = known != null ? CompletableFuture.completedFuture(List.of(known))
                    : chat.transport.devicesOf(user); // every device gets the request
            return peer.thenApplyAsync(devices -> ChatService.<Void>call(() -> {
                Credential c = chat.fanout.learnAll(user, devices);
                chat.store.putContact(user, ContactState.REQUESTED, text, c, chat.clock.millis());
                chat.enqueue(user, c, ChatBody.newBuilder().setContactRequest(ContactRequest.newBuilder().setText(text)),
                        false, null);
                return null;
            }), chat.thread);
        }).thenCompose(f -> f);
    }

    /** {@link ChatService#answerContact}: the same contract. */
    CompletableFuture<Void> answer(String name, boolean accept) {
        return chat.onThread(() -> {
            String user = ChatService.canonical(name);
            var c = chat.store.contact(user).filter(s -> s.state() == ContactState.PENDING)
                    .orElseThrow(() -> new IllegalStateException("no contact request from " + user + " is pending"));
            chat.store.putContact(user, accept ? ContactState.ACCEPTED : ContactState.DECLINED, c.requestText(), null,
                    chat.clock.millis());
            chat.enqueue(user, c.credential(), ChatBody.newBuilder().setContactAnswer(ContactAnswer.newBuilder().setAccepted(accept)),
                    false, null);
            if (accept) {
                chat.presence.contactAdded(user, c.credential());
                chat.fanout.syncContact(user); // this user's other devices take the contact too
            }
            return null;
        });
    }
}
