package dev.parley.client.media;

import dev.parley.nat.transport.DatagramHandler;
import dev.parley.nat.transport.DatagramTransport;
import dev.parley.nat.transport.TaskScheduler;
import dev.parley.protocol.PacketKind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One call's media socket as the call sees it: a {@link DatagramPort} demultiplexed by the first
 * byte (RFC 7983 §7). STUN (0..3) goes to the registered handlers (gathering, relay binds,
 * connectivity checks, consent); RTP/RTCP (128..191) goes to the media receiver only once media is
 * opened, after a candidate pair was selected, so nothing reaches the jitter buffer from a path the
 * checks did not validate. Everything else is dropped and counted.
 *
 * <p>The peer may select a moment earlier than we do (it nominates, we still wait for our own check
 * on that pair), so the newest {@value #MAX_EARLY_PACKETS} early media packets (200 ms) are held and
 * replayed, in order, when media opens: enough for that race, contiguous with what follows (no false
 * gap), and too little to add stale delay.
 *
 * <p>When UDP is blocked, everything sent to the TCP relay's address goes over the TCP relay link
 * instead ({@link #useTcpRelay}), and what the link receives enters here as if the relay had sent it
 * by UDP ({@link #receiveFromTcpRelay}). Demultiplexing state is confined to {@link #scheduler()}'s
 * thread; {@link #send} may be called from any thread.
 */
public final class MediaSocket implements DatagramTransport, AutoCloseable {
    /** Early media packets held until media opens: the newest 10 = 200 ms of RTP. */
    static final int MAX_EARLY_PACKETS = 10;

    private record Early(InetSocketAddress from, byte[] payload) {}

    private final DatagramPort port;
    private final List<DatagramHandler> stunHandlers = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Early> early = new ArrayDeque<>(); // scheduler thread only
    private final AtomicLong dropped = new AtomicLong();
    private @Nullable DatagramHandler media; // scheduler thread only; set by openMedia
    private volatile @Nullable InetSocketAddress tcpRelayAddress;
    private volatile @Nullable Consumer<byte[]> tcpRelaySender;
    private volatile boolean closed;

    /** @param port the raw socket; this media socket owns it from now on */
    public MediaSocket(DatagramPort port) {
        this.port = Objects.requireNonNull(port, "port");
        port.receiveWith(this::demux);
    }

    /**
     * Binds a real UDP socket on its own event loop.
     *
     * @param local address to bind; port 0 picks an ephemeral port
     * @throws IOException if the socket cannot be bound, with the address in the message
     */
    public static MediaSocket bindUdp(InetSocketAddress local) throws IOException {
        return new MediaSocket(UdpPort.bind(local));
    }

    /** @return the socket's thread: handlers and their timers run there */
    public TaskScheduler scheduler() {
        return port.scheduler();
    }

    /** Adds a handler for STUN datagrams; handlers are asked in order until one consumes. Any thread. */
    public void addStunHandler(DatagramHandler handler) {
        stunHandlers.add(handler);
    }

    /** Removes a handler added with {@link #addStunHandler} (e.g. the checks of a replaced path). Any thread. */
    public void removeStunHandler(DatagramHandler handler) {
        stunHandlers.remove(handler);
    }

    /**
     * Opens the media path: RTP/RTCP from now on go to {@code receiver}, the held early packets
     * first, in arrival order. Any thread; takes effect on the socket's thread.
     */
    public void openMedia(DatagramHandler receiver) {
        Objects.requireNonNull(receiver, "receiver");
        port.scheduler().execute(() -> {
            media = receiver;
            Early e;
            while ((e = early.poll()) != null) {
                receiver.onDatagram(e.from(), e.payload());
            }
        });
    }

    /**
     * Routes everything sent to {@code relayAddress} through {@code sender} (a TCP relay link, used
     * when UDP is blocked) instead of the UDP socket.
     */
    public void useTcpRelay(InetSocketAddress relayAddress, Consumer<byte[]> sender) {
        this.tcpRelayAddress = Objects.requireNonNull(relayAddress, "relayAddress");
        this.tcpRelaySender = Objects.requireNonNull(sender, "sender");
    }

    /** Feeds a packet received on the TCP relay link in, as if it came from the relay by UDP. Any thread. */
    public void receiveFromTcpRelay(byte[] packet) {
        InetSocketAddress relay = tcpRelayAddress;
        if (relay != null && !closed) {
            port.scheduler().execute(() -> demux(relay, packet));
        }
    }

    /** Sends over the TCP relay link when {@code to} is its relay, else by UDP. Any thread. */
    @Override
    public void send(InetSocketAddress to, byte[] payload) {
        Consumer<byte[]> tcp = tcpRelaySender;
        if (tcp != null && to.equals(tcpRelayAddress)) {
            tcp.accept(payload);
        } else if (!closed) {
            port.send(to, payload);
        }
    }

    /** By UDP with the TTL limited (connectivity checks, docs/nat.md); false for the TCP relay's address or a port that cannot. Any thread. */
    @Override
    public boolean sendWithTtl(InetSocketAddress to, byte[] payload, int ttl) {
        if (tcpRelaySender != null && to.equals(tcpRelayAddress)) {
            return false;
        }
        return closed || port.sendWithTtl(to, payload, ttl);
    }

    @Override
    public InetSocketAddress localAddress() {
        return port.localAddress();
    }

    /** @return datagrams dropped by the demultiplexer (not STUN a handler took, not media, or early overflow) */
    public long dropped() {
        return dropped.get();
    }

    /** Closes the socket; idempotent. */
    @Override
    public void close() {
        closed = true;
        port.close();
    }

    private boolean demux(InetSocketAddress from, byte[] payload) {
        PacketKind kind = PacketKind.of(payload);
        if (kind == PacketKind.RTP_OR_RTCP) {
            if (media != null) {
                media.onDatagram(from, payload);
            } else {
                if (early.size() == MAX_EARLY_PACKETS) {
                    early.poll(); // keep the newest: they join up with live media
                    dropped.incrementAndGet();
                }
                early.add(new Early(from, payload));
            }
            return true;
        }
        if (kind == PacketKind.STUN) {
            for (DatagramHandler h : stunHandlers) {
                if (h.onDatagram(from, payload)) {
                    return true;
                }
            }
        }
        dropped.incrementAndGet();
        return true;
    }

    @Override
    public String toString() {
        return "MediaSocket[" + port.localAddress() + (closed ? ", closed" : "") + "]";
    }
}
