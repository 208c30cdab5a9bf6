package dev.parley.nat.sim;

import dev.parley.nat.transport.DatagramHandler;
import dev.parley.nat.transport.DatagramTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A deterministic simulated IPv4 network on {@link VirtualTime}: public hosts, and private hosts
 * behind NATs with Linux-like behaviour. Mapping: endpoint-independent (MASQUERADE) or
 * endpoint-dependent ({@code --random-fully}); filtering: address-and-port-dependent (conntrack);
 * or all UDP dropped. Optionally the Linux conntrack quirk: an unsolicited inbound packet leaves
 * an entry that makes a later outbound flow to that remote get a different public port.
 *
 * <p>IP TTL: datagrams leave with {@value #DEFAULT_TTL}, or less with {@link Socket#sendWithTtl}
 * (when the network was built with the TTL option). Every router that forwards a datagram drops it
 * if its TTL is 1 or less and decrements it otherwise, as Linux does: a NAT forwarding outbound
 * (before it maps, so an expired datagram creates no mapping) or inbound to its host, and the
 * {@code upstreamRouters} between a NAT and the public core on each side ("ISP" routers). A datagram
 * for the NAT router itself (no mapping matches) is not forwarded, so its TTL does not matter: with
 * the quirk it leaves its stray entry whatever TTL is left.
 */
public final class SimNetwork {
    /** NAT kinds of the lab. */
    public enum NatKind { ENDPOINT_INDEPENDENT, SYMMETRIC, UDP_BLOCKED }

    /** TTL of ordinary datagrams (Linux default). */
    public static final int DEFAULT_TTL = 64;

    private final VirtualTime time;
    private final long latencyMs;
    private final boolean ttlOption;
    private final Map<InetSocketAddress, Socket> publicSockets = new HashMap<>();
    private final Map<InetAddress, Nat> nats = new HashMap<>();
    /** Packets delivered, for assertions. */
    public long delivered;
    /** Packets dropped by NATs or missing sockets. */
    public long dropped;
    /** Packets dropped by a router because their TTL ran out (also counted in {@link #dropped}). */
    public long expired;

    /** A network whose sockets can limit the TTL (like Linux). @param latencyMs one-way delay between public addresses */
    public SimNetwork(VirtualTime time, long latencyMs) {
        this(time, latencyMs, true);
    }

    /**
     * @param latencyMs one-way delay between public addresses
     * @param ttlOption true if sockets can send with a limited TTL (Linux); false: {@link Socket#sendWithTtl}
     *     reports it cannot (as on other systems)
     */
    public SimNetwork(VirtualTime time, long latencyMs, boolean ttlOption) {
        this.time = time;
        this.latencyMs = latencyMs;
        this.ttlOption = ttlOption;
    }

    /** @return a new NAT with the public IP, attached straight to the public core (no upstream router) */
    public Nat nat(String publicIp, NatKind kind, boolean conntrackQuirk) {
        return nat(publicIp, kind, conntrackQuirk, 0);
    }

    /** @param upstreamRouters routers between this NAT and the public core (e.g. 1: the ISP's router) */
    public Nat nat(String publicIp, NatKind kind, boolean conntrackQuirk, int upstreamRouters) {
        Nat n = new Nat(ip(publicIp), kind, conntrackQuirk, upstreamRouters);
        nats.put(n.publicIp, n);
        return n;
    }

    /** @return a UDP socket on a public host */
    public Socket publicSocket(String ip, int port) {
        Socket s = new Socket(new InetSocketAddress(ip(ip), port), null);
        publicSockets.put(s.local, s);
        return s;
    }

    /** @return a UDP socket on a private host behind the NAT */
    public Socket privateSocket(Nat nat, String ip, int port) {
        Socket s = new Socket(new InetSocketAddress(ip(ip), port), nat);
        nat.inside.put(s.local, s);
        return s;
    }

    static InetAddress ip(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    /** Across the core: {@code routers} on the sender's side, plus the destination NAT's upstream routers. */
    private void route(InetSocketAddress from, InetSocketAddress to, byte[] payload, int ttl, int routers) {
        Nat nat = nats.get(to.getAddress());
        int hops = routers + (nat == null ? 0 : nat.upstreamRouters);
        if (ttl <= hops) { // some router on the way got it with TTL 1
            expired++;
            dropped++;
            return;
        }
        time.schedule(() -> arrive(from, to, payload, ttl - hops), latencyMs);
    }

    private void arrive(InetSocketAddress from, InetSocketAddress to, byte[] payload, int ttl) {
        Nat nat = nats.get(to.getAddress());
        if (nat != null) {
            nat.inbound(from, to, payload, ttl);
            return;
        }
        Socket s = publicSockets.get(to);
        if (s == null) {
            dropped++;
            return;
        }
        s.deliver(from, payload);
    }

    /** A NAT router between one private network and the public one. */
    public final class Nat {
        final InetAddress publicIp;
        final NatKind kind;
        final boolean conntrackQuirk;
        final int upstreamRouters;
        final Map<InetSocketAddress, Socket> inside = new HashMap<>();
        /** key: private addr (EIM) or private addr + "→" + remote (symmetric / quirk); value: public port. */
        final Map<String, Integer> mappings = new HashMap<>();
        final Map<Integer, InetSocketAddress> reverse = new HashMap<>();
        /** "publicPort→remote" pairs that passed outbound (conntrack entries). */
        final Set<String> permissions = new HashSet<>();
        /** "publicPort→remote" pairs blocked by a stray inbound conntrack entry. */
        final Set<String> stray = new HashSet<>();
        int nextPort = 40000;
        /** Inbound packets dropped by filtering. */
        public int filtered;

        Nat(InetAddress publicIp, NatKind kind, boolean conntrackQuirk, int upstreamRouters) {
            this.publicIp = publicIp;
            this.kind = kind;
            this.conntrackQuirk = conntrackQuirk;
            this.upstreamRouters = upstreamRouters;
        }

        /** @return stray conntrack entries left by unsolicited inbound datagrams (quirk) */
        public int strayEntries() {
            return stray.size();
        }

        void outbound(InetSocketAddress from, InetSocketAddress to, byte[] payload, int ttl) {
            if (kind == NatKind.UDP_BLOCKED) {
                dropped++;
                return;
            }
            if (ttl <= 1) { // expires here, before NAT: no mapping
                expired++;
                dropped++;
                return;
            }
            String eimKey = from.toString();
            String flowKey = from + "→" + to;
            Integer port = mappings.get(flowKey);
            if (port == null && kind == NatKind.ENDPOINT_INDEPENDENT) {
                port = mappings.get(eimKey);
                if (port != null && stray.contains(port + "→" + to)) {
                    port = null; // the tuple is taken by the stray entry: this flow gets another port
                } else if (port != null) {
                    mappings.put(flowKey, port);
                }
            }
            if (port == null) {
                port = nextPort;
                nextPort += kind == NatKind.SYMMETRIC ? 7 : 1;
                mappings.put(flowKey, port);
                if (kind == NatKind.ENDPOINT_INDEPENDENT && !mappings.containsKey(eimKey)) {
                    mappings.put(eimKey, port);
                }
                reverse.put(port, from);
            }
            permissions.add(port + "→" + to);
            route(new InetSocketAddress(publicIp, port), to, payload, ttl - 1, upstreamRouters);
        }

        void inbound(InetSocketAddress from, InetSocketAddress to, byte[] payload, int ttl) {
            String key = to.getPort() + "→" + from;
            InetSocketAddress inner = reverse.get(to.getPort());
            if (inner == null || !permissions.contains(key) || stray.contains(key)) {
                filtered++;
                dropped++;
                if (conntrackQuirk && !permissions.contains(key)) {
                    stray.add(key);
                }
                return;
            }
            Socket s = inside.get(inner);
            if (s == null) {
                dropped++;
                return;
            }
            if (ttl <= 1) { // would be forwarded to the host: expires here
                expired++;
                dropped++;
                return;
            }
            s.deliver(from, payload);
        }
    }

    /** A simulated UDP socket. */
    public final class Socket implements DatagramTransport {
        final InetSocketAddress local;
        final Nat nat;
        final List<DatagramHandler> handlers = new ArrayList<>();
        /** Datagrams no handler consumed. */
        public final List<byte[]> unhandled = new ArrayList<>();
        /** Datagrams sent with a limited TTL. */
        public int lowTtlSent;
        private boolean closed;

        Socket(InetSocketAddress local, Nat nat) {
            this.local = local;
            this.nat = nat;
        }

        /** @param h appended to the handler chain */
        public void addHandler(DatagramHandler h) {
            handlers.add(h);
        }

        /** Closes the socket (a host that died): it sends nothing more, and what arrives for it is dropped. */
        public void close() {
            closed = true;
        }

        /** @return true once {@link #close()}d */
        public boolean closed() {
            return closed;
        }

        @Override
        public void send(InetSocketAddress to, byte[] payload) {
            send(to, payload, DEFAULT_TTL);
        }

        /** Sends with the TTL limited, if the network was built with the TTL option. */
        @Override
        public boolean sendWithTtl(InetSocketAddress to, byte[] payload, int ttl) {
            DatagramTransport.checkTtl(ttl);
            if (!ttlOption) {
                return false;
            }
            send(to, payload, ttl);
            lowTtlSent++;
            return true;
        }

        private void send(InetSocketAddress to, byte[] payload, int ttl) {
            if (closed) {
                return;
            }
            byte[] copy = payload.clone();
            if (nat != null) {
                nat.outbound(local, to, copy, ttl);
            } else {
                route(local, to, copy, ttl, 0);
            }
        }

        void deliver(InetSocketAddress from, byte[] payload) {
            if (closed) {
                dropped++;
                return;
            }
            delivered++;
            for (DatagramHandler h : handlers) {
                if (h.onDatagram(from, payload)) {
                    return;
                }
            }
            unhandled.add(payload);
        }

        @Override
        public InetSocketAddress localAddress() {
            return local;
        }
    }
}
