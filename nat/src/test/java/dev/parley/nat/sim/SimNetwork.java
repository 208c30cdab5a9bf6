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
 */
public final class SimNetwork {
    /** NAT kinds of the lab. */
    public enum NatKind { ENDPOINT_INDEPENDENT, SYMMETRIC, UDP_BLOCKED }

    private final VirtualTime time;
    private final long latencyMs;
    private final Map<InetSocketAddress, Socket> publicSockets = new HashMap<>();
    private final Map<InetAddress, Nat> nats = new HashMap<>();
    /** Packets delivered, for assertions. */
    public long delivered;
    /** Packets dropped by NATs or missing sockets. */
    public long dropped;

    /** @param latencyMs one-way delay of every hop between public addresses */
    public SimNetwork(VirtualTime time, long latencyMs) {
        this.time = time;
        this.latencyMs = latencyMs;
    }

    /** @return a new NAT with the public IP */
    public Nat nat(String publicIp, NatKind kind, boolean conntrackQuirk) {
        Nat n = new Nat(ip(publicIp), kind, conntrackQuirk);
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

    private void route(InetSocketAddress from, InetSocketAddress to, byte[] payload) {
        time.schedule(() -> arrive(from, to, payload), latencyMs);
    }

    private void arrive(InetSocketAddress from, InetSocketAddress to, byte[] payload) {
        Nat nat = nats.get(to.getAddress());
        if (nat != null) {
            nat.inbound(from, to, payload);
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

        Nat(InetAddress publicIp, NatKind kind, boolean conntrackQuirk) {
            this.publicIp = publicIp;
            this.kind = kind;
            this.conntrackQuirk = conntrackQuirk;
        }

        void outbound(InetSocketAddress from, InetSocketAddress to, byte[] payload) {
            if (kind == NatKind.UDP_BLOCKED) {
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
            route(new InetSocketAddress(publicIp, port), to, payload);
        }

        void inbound(InetSocketAddress from, InetSocketAddress to, byte[] payload) {
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
            if (closed) {
                return;
            }
            byte[] copy = payload.clone();
            if (nat != null) {
                nat.outbound(local, to, copy);
            } else {
                route(local, to, copy);
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
