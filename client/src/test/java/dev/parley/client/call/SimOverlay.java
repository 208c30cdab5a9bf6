package dev.parley.client.call;

import com.google.protobuf.ByteString;
import dev.parley.client.media.MediaClock;
import dev.parley.client.media.MediaSession;
import dev.parley.client.media.MediaSocket;
import dev.parley.client.media.SimPort;
import dev.parley.nat.ice.CheckConfig;
import dev.parley.nat.relay.RelayAllocation;
import dev.parley.nat.relay.RelayAllocationTable;
import dev.parley.nat.relay.RelayBindProof;
import dev.parley.nat.relay.RelayQuotaException;
import dev.parley.nat.relay.UdpRelay;
import dev.parley.nat.sim.SimNetwork.NatKind;
import dev.parley.nat.sim.SimNetwork;
import dev.parley.nat.sim.VirtualTime;
import dev.parley.nat.stun.StunBindingResponder;
import dev.parley.protocol.CallSignalSeals;
import dev.parley.protocol.Credentials;
import dev.parley.protocol.Ed25519KeyPair;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.X25519KeyPair;
import dev.parley.protocol.wire.CallSignal;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.RelayAllocated;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Call scenarios on one thread: super nodes (STUN, UDP relay, TCP relay links, signal routing) and
 * clients (real {@link CallEngine}s with real media sessions: Opus, RTP, jitter buffer) on the
 * simulated network and virtual time of {@code dev.parley.nat.sim}. Seeded: the same scenario runs
 * the same way every time. Signals take {@value #SIGNAL_HOP_MS} ms per hop (client → super node →
 * super node → client); a test may delay, duplicate or drop them ({@link #signalFate}).
 */
final class SimOverlay {
    static final long SIGNAL_HOP_MS = 5;
    /** How long a client takes to rejoin through another super node after losing its own. */
    static final long REJOIN_MS = 300;
    /** Quick checks, as in the lab: a failed pair is given up within 2 s. */
    static final CheckConfig CHECKS = CheckConfig.DEFAULTS;

    final VirtualTime time = new VirtualTime();
    final SimNetwork net = new SimNetwork(time, 10);
    private final SplittableRandom random;
    private final List<SuperNode> superNodes = new ArrayList<>();
    private final Map<String, Client> clients = new HashMap<>();
    private final Map<String, Puppet> puppets = new HashMap<>();
    private int nextHost = 1;
    /** NATs of clients created from now on accept unsolicited input (conntrack quirk) and sit behind an ISP router. */
    boolean quirkNats;
    /** The login server's key: certifies every user's keys (v2 credentials). */
    final Ed25519KeyPair loginKey;
    /** For each signal: the delays (ms, after routing) of the copies delivered; empty drops it. */
    Function<CallSignal, List<Long>> signalFate = s -> List.of(0L);
    /** Every signal the super nodes routed, as they saw it (what a malicious super node on the path records). */
    final List<CallSignal> routed = new ArrayList<>();

    SimOverlay(long seed) {
        this.random = new SplittableRandom(seed);
        this.loginKey = Ed25519KeyPair.fromSeed(seed(random));
    }

    private static byte[] seed(SplittableRandom random) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        return seed;
    }

    /** A user's keys and v2 credential, as the login server would certify them. */
    final class Identity {
        final String name;
        final Ed25519KeyPair signing;
        final X25519KeyPair encryption;
        final Credential credential;

        Identity(String name) {
            this.name = name;
            this.signing = Ed25519KeyPair.fromSeed(seed(random));
            this.encryption = CallKeys.encryptionKey(signing);
            this.credential = Credentials.issue(loginKey, name, signing.publicKey(), encryption.publicKey(),
                    time.instant(), Duration.ofHours(24));
        }
    }

    /**
     * A user without a call engine, played by the test (a malicious or broken client): its signals
     * are built by hand; those sent to it land in {@link #inbox} as they arrived (sealed).
     */
    final class Puppet {
        final Identity id;
        final SuperNode superNode;
        final List<CallSignal> inbox = new ArrayList<>();

        Puppet(String name, SuperNode sn) {
            this.id = new Identity(name);
            this.superNode = sn;
        }

        /** Sends {@code plain}, sealed to {@code to}'s key and signed by this puppet, with sequence {@code seq}. */
        void send(CallSignal plain, long seq, Client to) {
            inject(CallSignalSeals.seal(plain, seq, to.id.encryption.publicKey(), id.signing,
                    plain.hasInvite() ? id.credential : null), to);
        }
    }

    /** Delivers {@code wire} to {@code to} as its super node would (a forged or replayed signal), one hop later. */
    void inject(CallSignal wire, Client to) {
        time.schedule(() -> to.engine.onSignal(wire), SIGNAL_HOP_MS);
    }

    /** A super node on a public address: STUN server, UDP relay, TCP relay links and signal routing. */
    final class SuperNode {
        final InetSocketAddress address;
        final SimNetwork.Socket socket;
        final RelayAllocationTable relays;
        /** Every datagram this super node received (its relay's traffic included): what a malicious one records. */
        final List<byte[]> captured = new ArrayList<>();
        boolean alive = true;
        int tcpLinks;

        SuperNode(String ip) {
            socket = net.publicSocket(ip, 3478);
            address = socket.localAddress();
            relays = new RelayAllocationTable(time, random.split(), RelayAllocationTable.Limits.DEFAULTS);
            UdpRelay relay = new UdpRelay(socket, relays);
            StunBindingResponder stun = new StunBindingResponder("sim");
            socket.addHandler((from, p) -> {
                captured.add(p.clone());
                return false; // only looks: the relay and STUN still handle it
            });
            socket.addHandler(relay);
            socket.addHandler((from, p) -> stun.respond(p, from).map(r -> {
                socket.send(from, r);
                return true;
            }).orElse(false));
        }

        HostPort hostPort() {
            return new HostPort(address.getAddress().getHostAddress(), address.getPort());
        }

        /** Dies: its sockets go silent and its clients lose it (they rejoin elsewhere). */
        void kill() {
            alive = false;
            socket.close();
            for (Client c : clients.values()) {
                if (c.superNode == this) {
                    c.loseSuperNode();
                }
            }
        }
    }

    /** One user: a call engine whose media sockets live on its host (public, or behind a NAT). */
    final class Client {
        final String name;
        final Identity id;
        final String hostIp;
        final SimNetwork.Nat nat;
        final CallEngine engine;
        final KeyMemory contacts = KeyMemory.inMemory();
        final List<String> keyChanges = new ArrayList<>();
        final List<CallSecurity> secured = new ArrayList<>();
        final List<CallReport> reports = new ArrayList<>();
        final List<CallPhase> phases = new ArrayList<>();
        /** onHold events: "here=H there=T". */
        final List<String> holds = new ArrayList<>();
        /** onCallWaiting events: "caller (while with currentPeer)". */
        final List<String> waiting = new ArrayList<>();
        /** onMissedCall events: "caller: why". */
        final List<String> missed = new ArrayList<>();
        /** Crashed: its signals go nowhere (its connection is gone), so its BYE never arrives. */
        boolean crashed;
        SuperNode superNode;
        private int nextPort = 5000;

        Client(String name, SuperNode sn, NatKind natKind, IncomingCallPolicy policy, boolean relayOnly) {
            this.name = name;
            this.id = new Identity(name);
            this.superNode = sn;
            int n = nextHost++;
            this.nat = natKind == null ? null : net.nat("10.0.2." + n, natKind, quirkNats, quirkNats ? 1 : 0);
            this.hostIp = natKind == null ? "10.0.1." + n : "192.168." + n + ".2";
            CallSettings settings = new CallSettings(name, id.credential, loginKey.publicKey(), new InetSocketAddress(hostIp, 0),
                    hostIp, 32, 0, Duration.ofSeconds(20), Duration.ofMillis(400));
            CallRuntime runtime = new CallRuntime(time, time::nowMs, time, random.split(), config -> MediaSession.on(config,
                    new MediaSocket(new SimPort(socket(), time)), MediaClock.on(time, time::nowMs), time));
            NatTraversal traversal = new NatTraversal(() -> List.of(superNode.address), new Relays(this), CHECKS, relayOnly);
            CallListener listener = new CallListener() {
                @Override
                public void onPhase(String callId, String peer, CallPhase phase) {
                    phases.add(phase);
                }

                @Override
                public void onEnded(CallReport report) {
                    reports.add(report);
                }

                @Override
                public void onHold(String callId, String peer, boolean heldHere, boolean heldThere) {
                    holds.add("here=" + heldHere + " there=" + heldThere);
                }

                @Override
                public void onCallWaiting(String callId, String caller, String currentPeer) {
                    waiting.add(caller + " (while with " + currentPeer + ")");
                }

                @Override
                public void onMissedCall(String caller, long atMs, String why) {
                    missed.add(caller + ": " + why);
                }

                @Override
                public void onSecured(String callId, String peer, CallSecurity security) {
                    secured.add(security);
                }

                @Override
                public void onPeerNewDevice(String callId, String peer, String fingerprint) {
                    keyChanges.add(peer + ": new device " + fingerprint);
                }
            };
            CallTrust trust = new CallTrust(id.signing, id.encryption, SimOverlay.this::credentialOf, contacts);
            this.engine = new CallEngine(settings, trust, traversal, runtime, this::signal, policy, listener);
        }

        private SimNetwork.Socket socket() {
            int port = nextPort++;
            return nat == null ? net.publicSocket(hostIp, port) : net.privateSocket(nat, hostIp, port);
        }

        /** Client → its super node → the callee's super node → the callee, {@value #SIGNAL_HOP_MS} ms a hop. */
        private CompletableFuture<Void> signal(CallSignal s) {
            CompletableFuture<Void> ack = new CompletableFuture<>();
            SuperNode via = superNode;
            time.schedule(() -> {
                Client to = clients.get(s.getTo());
                Puppet puppet = puppets.get(s.getTo());
                if (crashed) {
                    return; // never acknowledged: the connection died with the process
                }
                if (via == null || !via.alive) {
                    ack.completeExceptionally(new ProtocolException(ErrorCode.INTERNAL, "no super node"));
                } else if (puppet != null) {
                    ack.complete(null);
                    routed.add(s);
                    time.schedule(() -> puppet.inbox.add(s), 2 * SIGNAL_HOP_MS);
                } else if (to == null || to.superNode == null) {
                    ack.completeExceptionally(new ProtocolException(ErrorCode.USER_OFFLINE,
                            "user '" + s.getTo() + "' is not online"));
                } else {
                    ack.complete(null);
                    routed.add(s);
                    for (long delay : signalFate.apply(s)) {
                        time.schedule(() -> to.engine.onSignal(s), 2 * SIGNAL_HOP_MS + delay);
                    }
                }
            }, SIGNAL_HOP_MS);
            return ack;
        }

        void loseSuperNode() {
            HostPort lost = superNode.hostPort();
            superNode = null;
            engine.onSuperNodeLost(lost);
            time.schedule(() -> {
                superNode = superNodes.stream().filter(s -> s.alive).findFirst().orElseThrow();
                engine.onSuperNodeRejoined(superNode.hostPort());
            }, REJOIN_MS);
        }

        /** @return the last report, or null while no call ended */
        CallReport lastReport() {
            return reports.isEmpty() ? null : reports.get(reports.size() - 1);
        }
    }

    /** Relay allocations at the client's current super node; TCP relay links through that super node's host. */
    private final class Relays implements RelayService {
        private final Client client;

        Relays(Client client) {
            this.client = client;
        }

        @Override
        public CompletableFuture<RelayAllocated> allocate(String callId) {
            SuperNode sn = client.superNode;
            if (sn == null || !sn.alive) {
                return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.INTERNAL, "no super node"));
            }
            try {
                RelayAllocation a = sn.relays.allocate(client.name, callId);
                return CompletableFuture.completedFuture(RelayAllocated.newBuilder().setAllocationId(a.id())
                        .setRelay(sn.hostPort().toAddress()).setCallerToken(ByteString.copyFrom(a.callerToken()))
                        .setCalleeToken(ByteString.copyFrom(a.calleeToken())).setCallerKey(ByteString.copyFrom(a.callerKey()))
                        .setCalleeKey(ByteString.copyFrom(a.calleeKey())).build());
            } catch (RelayQuotaException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public void release(long allocationId) {
            SuperNode sn = client.superNode;
            if (sn != null) {
                sn.relays.release(allocationId, client.name);
            }
        }

        /**
         * A TCP connection to the relay, as the relay sees it: a party on the super node's own host
         * (an address of its own, latched with the token and key), so no NAT or UDP filter is in the way.
         */
        @Override
        public CompletableFuture<TcpRelayLink> connectTcp(HostPort relay, byte[] token, byte[] key, Consumer<byte[]> onPacket) {
            SuperNode sn = superNodes.stream().filter(s -> s.hostPort().equals(relay) && s.alive).findFirst().orElse(null);
            if (sn == null) {
                return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.INTERNAL, "relay " + relay + " unreachable"));
            }
            SimNetwork.Socket party = net.publicSocket(sn.address.getAddress().getHostAddress(), 20000 + sn.tcpLinks++);
            party.addHandler((from, p) -> {
                time.schedule(() -> onPacket.accept(p), SIGNAL_HOP_MS);
                return true;
            });
            if (sn.relays.bind(token, new RelayBindProof.Key(key), party.localAddress()).isEmpty()) {
                return CompletableFuture.failedFuture(new ProtocolException(ErrorCode.INVALID_CREDENTIAL, "relay token or key: unknown"));
            }
            CompletableFuture<TcpRelayLink> link = new CompletableFuture<>();
            time.schedule(() -> link.complete(new TcpRelayLink() {
                @Override
                public void send(byte[] packet) {
                    byte[] copy = packet.clone();
                    time.schedule(() -> party.send(sn.address, copy), SIGNAL_HOP_MS);
                }

                @Override
                public void close() {
                    party.close();
                }
            }), 2 * SIGNAL_HOP_MS);
            return link;
        }
    }

    /** The directory (a verified search): the credential of an online user, after a search's round trip. */
    private CompletableFuture<Credential> credentialOf(String name) {
        CompletableFuture<Credential> found = new CompletableFuture<>();
        time.schedule(() -> {
            Client c = clients.get(name);
            Puppet p = puppets.get(name);
            if (c != null && c.superNode != null) {
                found.complete(c.id.credential);
            } else if (p != null) {
                found.complete(p.id.credential);
            } else {
                found.completeExceptionally(new ProtocolException(ErrorCode.USER_OFFLINE, "user '" + name + "' is not online"));
            }
        }, 2 * SIGNAL_HOP_MS);
        return found;
    }

    /** A test-played user registered with {@code sn}. */
    Puppet puppet(String name, SuperNode sn) {
        Puppet p = new Puppet(name, sn);
        puppets.put(name, p);
        return p;
    }

    SuperNode superNode() {
        SuperNode sn = new SuperNode("10.0.0." + (superNodes.size() + 1));
        superNodes.add(sn);
        return sn;
    }

    /** A client on a public host. */
    Client client(String name, SuperNode sn, IncomingCallPolicy policy) {
        return client(name, sn, null, policy, false);
    }

    /** A client behind a NAT of {@code natKind} (null: public), optionally offering relayed candidates only. */
    Client client(String name, SuperNode sn, NatKind natKind, IncomingCallPolicy policy, boolean relayOnly) {
        Client c = new Client(name, sn, natKind, policy, relayOnly);
        clients.put(name, c);
        return c;
    }

    /** Runs virtual time until {@code done} holds; fails the test if it does not within {@code maxMs}. */
    void runUntil(String what, BooleanSupplier done, long maxMs) {
        if (!time.runUntil(done, maxMs)) {
            throw new AssertionError(what + ": not within " + maxMs + " virtual ms");
        }
    }
}
