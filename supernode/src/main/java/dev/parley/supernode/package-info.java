/**
 * The super node role: presence of registered clients, search over peer super nodes, and call
 * signalling relay. Entry point: {@link dev.parley.supernode.SuperNode#start(SuperNodeConfig)}.
 *
 * <h2>Wire behaviour (one TCP port, varint32-framed {@code Envelope}s)</h2>
 * <ul>
 *   <li>Every accepted connection first receives a push {@code ServerHello{nonce (32 bytes), address,
 *       certificate}} (this super node's certificate from the login server).
 *       The first {@code Register} request makes it a client session; the first {@code PeerHello}
 *       with a valid certificate and a signature over this connection's nonce (push, or request
 *       answered with {@code Ok}; else the error and close) a peer link; the first {@code RelayBindTcp} a TCP
 *       relay connection. No role within 30 s: push {@code Error BAD_REQUEST} and close. Each role is
 *       one pipeline handler ({@link dev.parley.supernode.HandshakeHandler} replaces itself with it).</li>
 *   <li>{@code Register}: {@code INTERNAL} "login server key not yet known" while the key is unknown
 *       (connection stays open, may retry); {@code INVALID_CREDENTIAL} (forged/malformed credential,
 *       wrong proof (it must sign the nonce, this super node's node key and, when
 *       {@code channel_bound}, the TLS exporter), missing or wrong {@code presence_signature}, {@code presence_signed_at_ms} more
 *       than 5 min from now), {@code EXPIRED_CREDENTIAL}, {@code BAD_REQUEST} (more than 32
 *       candidates): error with the request id, then close. Success: {@code Registered{up to 20 live
 *       peer super nodes}} (this super node is not listed). A second registration of the same user
 *       replaces the first; the old connection gets a push {@code Error NOT_REGISTERED "signed in from
 *       another place"} and is closed. A second {@code Register} on the same connection: {@code BAD_REQUEST}.</li>
 *   <li>{@code Search}: per-connection token bucket first ({@code RATE_LIMITED} "search rate: more than
 *       R/s (burst B); retry in N ms", also for invalid names); {@code INVALID_USERNAME} for a bad
 *       name; otherwise {@code SearchResult}: local presence → {@code supernodes_contacted = 0};
 *       positive or negative cache → 0 and {@code from_cache}; else the expanding search of
 *       {@link dev.parley.supernode.UserLocator} over the UDP mesh. {@code elapsed_ms} is measured on
 *       the configured clock.</li>
 *   <li>{@code CallSignal} (request): {@code from} empty or equal (case-insensitively) to the
 *       session's user, else {@code BAD_REQUEST}; {@code call_id} 1..128 characters and a kind or an
 *       end-to-end sealed body (at most 8 KiB; the super node cannot read it and routes it as is) are
 *       required ({@code BAD_REQUEST}); invalid {@code to}: {@code INVALID_USERNAME}. {@code Ok} once
 *       pushed to a local callee or accepted by the callee's super node ({@code RoutedSignal}).
 *       No super node has the callee, the callee's super node no longer has them, or it does not
 *       answer: {@code USER_OFFLINE} ("user 'bob' is not online"). {@code USER_NOT_FOUND} is never
 *       used: the super node cannot tell an unknown account from an offline one.</li>
 *   <li>Chat ({@code ChatPacket}, {@code MailboxFetch}, {@code MailboxAck}, {@code PresenceWill}
 *       from clients; {@code RoutedChat}, {@code MailboxStore}, {@code MailboxFetch},
 *       {@code MailboxAck} between super nodes): {@link dev.parley.supernode.ClientChat} and
 *       {@link dev.parley.supernode.ChatRelay} (docs/protocol.md "Contacts, presence and messages").</li>
 *   <li>Client requests before {@code Register} and peer requests before {@code PeerHello}:
 *       {@code NOT_REGISTERED} (connection stays open). Peer requests on a client connection, client
 *       requests on a peer link, requests with request id 0 and any other message type:
 *       {@code BAD_REQUEST}. {@code Error}/{@code Ok} pushes are ignored. Malformed or oversized
 *       frames: {@code ErrorClosingHandler} answers {@code BAD_REQUEST}/{@code FRAME_TOO_LARGE} and
 *       closes.</li>
 *   <li>Peer links (TCP): {@code PeerLookup} → {@code PeerLookupResult} from local presence only (kept
 *       for compatibility; searches use UDP); {@code RoutedSignal} → push to the local callee and
 *       {@code Ok}, or {@code USER_OFFLINE}.</li>
 *   <li>Mesh (UDP, same port number, one {@code Envelope} per datagram, sealed between certified
 *       super nodes by {@link dev.parley.supernode.meshauth.MeshSeal}; see {@link dev.parley.supernode.Mesh}):
 *       {@code MeshPing} → {@code MeshPong} (both gossip certificates, never bare addresses);
 *       {@code PeerLookup} → {@code PeerLookupResult} (known peers only); {@code PresenceChanged} push
 *       → cache invalidation. A datagram that does not open (unauthenticated, forged, replayed, stale,
 *       plain) and anything else is dropped unanswered.</li>
 * </ul>
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.parley.supernode;

import org.jspecify.annotations.NullMarked;
