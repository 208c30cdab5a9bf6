package dev.parley.nat.transport;

import com.sun.jna.LastErrorException;
import io.netty.channel.Channel;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes over the reading of an epoll datagram channel set up by {@link BatchedUdp#receiveBatches}:
 * a duplicate of its socket's descriptor is registered on the channel's own epoll loop (Netty 4.2
 * {@link EpollIoHandle}) and read with {@code recvmmsg(2)} into fixed native slots ({@link Mmsg}),
 * and what the {@link Receiver} forwards leaves by {@code sendmmsg(2)} from the same slots — where
 * Netty's own reads make a {@code DatagramPacket}, a buffer slice and a sender address per
 * datagram and its writes go one by one through the channel's outbound buffer and JNI field
 * accesses. The channel stays: its pipeline receives what the receiver passes on, and its writes
 * (the mesh's, STUN answers) go out as before. Its own reading is switched off (auto-read false)
 * while the duplicate is registered; the duplicate is closed with the channel.
 */
public final class NativeBatches implements EpollIoHandle {
    private static final Logger log = LoggerFactory.getLogger(NativeBatches.class);
    /** Set by {@link BatchedUdp#receiveBatches}: datagrams per recvmmsg. */
    static final AttributeKey<Integer> BATCH = AttributeKey.valueOf(NativeBatches.class, "batch");
    /** Batches read per readiness before other work on the loop gets its turn (level-triggered: the rest reports again). */
    private static final int MAX_BATCHES_PER_WAKEUP = 4;

    /** What to do with each batch; called on the channel's loop. */
    public interface Receiver {
        /** @param batch valid only during the call; what it forwards leaves when the call returns */
        void onBatch(ReceivedBatch batch);
    }

    private final Channel channel;
    private final FileDescriptor fd;
    private final MmsgArray in;
    private final ReceivedBatch batch;
    private final Receiver receiver;
    private @Nullable IoRegistration registration;
    private boolean closed;
    private long receiveErrors;

    private NativeBatches(Channel channel, int fd, int batchSize, int slotBytes, Receiver receiver) {
        this.channel = channel;
        this.fd = new FileDescriptor(fd);
        this.in = new MmsgArray(batchSize, slotBytes);
        this.batch = new ReceivedBatch(in, fd, channel);
        this.receiver = receiver;
    }

    /**
     * Takes over {@code channel}'s reading if it can: an active {@link EpollDatagramChannel} set up by
     * {@link BatchedUdp#receiveBatches}, on 64-bit Linux ({@link Mmsg#isAvailable()}). Call on the
     * channel's loop.
     *
     * @return the reader, or null if the channel keeps Netty's own reads
     */
    public static @Nullable NativeBatches install(Channel channel, Receiver receiver) {
        Integer batchSize = channel.attr(BATCH).get();
        if (!(channel instanceof EpollDatagramChannel epoll) || batchSize == null || !Mmsg.isAvailable()
                || !(channel.eventLoop() instanceof IoEventLoop loop) || !loop.isCompatible(NativeBatches.class)
                || !channel.isActive()) {
            return null;
        }
        int slotBytes = epoll.config().getOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE);
        if (slotBytes <= 0) {
            return null;
        }
        int dup;
        try {
            dup = Mmsg.dup(epoll.fd().intValue());
        } catch (LastErrorException e) {
            log.warn("relay socket: dup failed (errno {}); Netty's reads stay", e.getErrorCode());
            return null;
        }
        NativeBatches reader = new NativeBatches(channel, dup, batchSize, slotBytes, receiver);
        channel.config().setAutoRead(false); // from here the duplicate is the only reader
        loop.register(reader).addListener(f -> {
            if (f.isSuccess()) {
                reader.registered((IoRegistration) f.getNow());
            } else {
                log.warn("relay socket: native batches not registered ({}); Netty's reads stay", f.cause().toString());
                reader.closeFd();
                channel.config().setAutoRead(true);
            }
        });
        channel.closeFuture().addListener(f -> {
            try {
                loop.execute(reader::stop);
            } catch (RejectedExecutionException e) {
                // the loop is shutting down: it closes its registrations, this one with them
            }
        });
        return reader;
    }

    private void registered(IoRegistration r) {
        if (closed || !channel.isOpen()) {
            r.cancel();
            closeFd();
            return;
        }
        registration = r;
        r.submit(EpollIoOps.EPOLLIN);
    }

    private void stop() {
        IoRegistration r = registration;
        registration = null;
        if (r != null) {
            r.cancel();
        }
        closeFd();
    }

    private void closeFd() {
        if (!closed) {
            closed = true;
            try {
                fd.close();
            } catch (IOException e) {
                log.debug("relay socket duplicate: {}", e.toString());
            }
        }
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        for (int round = 0; round < MAX_BATCHES_PER_WAKEUP && !closed; round++) {
            int n;
            in.prepareReceive(in.capacity());
            try {
                n = Mmsg.recvmmsg(fd.intValue(), in.header(0), in.capacity(), Mmsg.MSG_DONTWAIT, 0);
            } catch (LastErrorException e) {
                if (e.getErrorCode() != Mmsg.EAGAIN && e.getErrorCode() != Mmsg.EINTR) {
                    receiveErrors++; // e.g. a pending ICMP error: read and cleared by this call
                }
                return;
            }
            if (n <= 0) {
                return;
            }
            batch.reset(n);
            try {
                receiver.onBatch(batch);
            } finally {
                batch.flush();
            }
            if (n < in.capacity()) {
                return; // the queue was empty a moment ago: no second call just to learn EAGAIN
            }
        }
    }

    /** @return receive calls that failed with something other than EAGAIN */
    public long receiveErrors() {
        return receiveErrors;
    }

    /** @return the batch, for its send counters */
    public ReceivedBatch batch() {
        return batch;
    }

    @Override
    public void close() {
        stop();
    }
}
