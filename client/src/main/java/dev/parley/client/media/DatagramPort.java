package dev.parley.client.media;

import dev.parley.nat.transport.DatagramHandler;
import dev.parley.nat.transport.DatagramTransport;
import dev.parley.nat.transport.TaskScheduler;

/**
 * The raw datagram socket under a {@link MediaSocket}: a real UDP socket ({@link UdpPort}) or, in
 * scenario tests, a socket on the simulated network of {@code dev.parley.nat.sim}. Everything it
 * receives goes to one handler on {@link #scheduler()}'s thread.
 */
public interface DatagramPort extends DatagramTransport, AutoCloseable {
    /** @return the thread that owns the socket: received datagrams and the timers of its handlers run there */
    TaskScheduler scheduler();

    /**
     * Sets where received datagrams go (replacing the previous handler); called once, before traffic.
     *
     * @param handler called on {@link #scheduler()}'s thread for every datagram; its return value is ignored
     */
    void receiveWith(DatagramHandler handler);

    /** Closes the socket; idempotent, never throws. */
    @Override
    void close();
}
