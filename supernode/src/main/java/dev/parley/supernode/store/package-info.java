/** Mailboxes: chat packets super nodes keep for offline recipients (docs/protocol.md "Mailboxes"). */
@NullMarked
package dev.parley.supernode.store;

import org.jspecify.annotations.NullMarked;
