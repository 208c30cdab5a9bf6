package dev.parley.protocol;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** The key per-address limits (login server, super nodes) use for a peer. */
public final class SourceAddresses {
    private SourceAddresses() {}

    /**
     * @return the IPv4 address, the IPv6 /64 prefix (e.g. {@code 2001:db8:0:1:0:0:0:0/64}: one
     *     subscriber usually holds a whole /64), or for other transports the address's text
     */
    public static String key(SocketAddress remote) {
        if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
            InetAddress address = inet.getAddress();
            if (address instanceof Inet6Address) {
                byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
                Arrays.fill(prefix, 8, 16, (byte) 0);
                try {
                    return InetAddress.getByAddress(prefix).getHostAddress() + "/64";
                } catch (UnknownHostException e) {
                    throw new AssertionError(e); // 16 bytes are always a valid IPv6 address
                }
            }
            return address.getHostAddress();
        }
        return String.valueOf(remote);
    }
}
