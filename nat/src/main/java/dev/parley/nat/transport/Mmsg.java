package dev.parley.nat.transport;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * {@code recvmmsg(2)}, {@code sendmmsg(2)}, and {@code dup(2)} from the C library
 * through JNA direct mapping, for a relay that moves whole batches of datagrams with one native call
 * each and no Java object per datagram ({@link MmsgArray} holds the {@code struct mmsghdr} arrays).
 * Only on 64-bit Linux (x86-64, AArch64: the LP64 layouts {@link MmsgArray} writes); elsewhere
 * {@link #isAvailable()} is false and callers keep their portable path. Pointers are passed as
 * {@code long} native addresses. A failing call throws {@link LastErrorException} with {@code errno}.
 */
public final class Mmsg {
    /** {@code MSG_DONTWAIT}: never block, even on a blocking socket. */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code EAGAIN} (= {@code EWOULDBLOCK}) on Linux. */
    public static final int EAGAIN = 11;
    /** {@code EINTR} on Linux. */
    public static final int EINTR = 4;
    /** {@code ENOBUFS} on Linux. */
    public static final int ENOBUFS = 105;

    private static final boolean AVAILABLE = register();

    private Mmsg() {}

    private static boolean register() {
        String arch = System.getProperty("os.arch", "");
        if (!Platform.isLinux() || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return false;
        }
        try {
            Native.register(Mmsg.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
            return Native.POINTER_SIZE == 8;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false; // no JNA native library for this platform, or no such symbols: the portable path
        }
    }

    /** @return true if the calls below can be made (64-bit Linux with JNA's native library) */
    public static boolean isAvailable() {
        return AVAILABLE;
    }

    /**
     * @param msgvec address of {@code vlen} {@code struct mmsghdr}
     * @param timeout address of a {@code struct timespec}, or 0 for none
     * @return datagrams received (their {@code msg_len} and {@code msg_namelen} filled in)
     */
    static native int recvmmsg(int fd, long msgvec, int vlen, int flags, long timeout) throws LastErrorException;

    /** @return datagrams sent from the start of {@code msgvec}; fewer than {@code vlen} if one failed after the first */
    static native int sendmmsg(int fd, long msgvec, int vlen, int flags) throws LastErrorException;

    /** @return a new descriptor for the same open socket */
    static native int dup(int fd) throws LastErrorException;
}
