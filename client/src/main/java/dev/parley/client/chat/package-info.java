/**
 * Contacts, presence and instant messages (docs/architecture.md "Contacts, presence and
 * messages"): {@link dev.parley.client.chat.ChatService} is the facade, {@link
 * dev.parley.client.chat.ChatStore} the SQLite database in the data dir.
 */
@NullMarked
package dev.parley.client.chat;

import org.jspecify.annotations.NullMarked;
