package dev.parley.client.media;

import dev.parley.nat.sim.SimNetwork;
import dev.parley.nat.sim.VirtualTime;
import dev.parley.nat.transport.DatagramHandler;
import dev.parley.nat.transport.TaskScheduler;
import java.net.InetSocketAddress;

/** A {@link DatagramPort} on the simulated network: a {@link SimNetwork.Socket} on virtual time. */
public final class SimPort implements DatagramPort {
    private final SimNetwork.Socket socket;
    private final VirtualTime time;

    /** @param socket a socket of the simulated network, with no handler yet */
    public SimPort(SimNetwork.Socket socket, VirtualTime time) {
        this.socket = socket;
        this.time = time;
    }

    @Override
    public TaskScheduler scheduler() {
        return time;
    }

    @Override
    public void receiveWith(DatagramHandler handler) {
        socket.addHandler(handler);
    }

    @Override
    public void send(InetSocketAddress to, byte[] payload) {
        socket.send(to, payload);
    }

    @Override
    public boolean sendWithTtl(InetSocketAddress to, byte[] payload, int ttl) {
        return socket.sendWithTtl(to, payload, ttl);
    }

    @Override
    public InetSocketAddress localAddress() {
        return socket.localAddress();
    }

    @Override
    public void close() {
        socket.close();
    }
}
