package dev.parley.protocol;

import dev.parley.protocol.wire.Address;
import java.net.InetSocketAddress;

/**
 * A host name or IP literal and a port, as written on command lines ({@code HOST:PORT},
 * {@code [v6]:PORT}).
 *
 * @param host host name or IP literal, without brackets
 * @param port 0..65535
 */
public record HostPort(String host, int port) {
    /** @throws IllegalArgumentException if the host is blank or the port out of range */
    public HostPort {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host: blank (expected: a host name or IP)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(String.format("port: %d (expected: 0..65535)", port));
        }
    }

    /**
     * Parses {@code HOST:PORT} or {@code [IPv6]:PORT}.
     *
     * @throws IllegalArgumentException with a message naming the expected form
     */
    public static HostPort parse(String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("address: '" + text + "' (expected: HOST:PORT)");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new HostPort(host, Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("address: '" + text + "' (expected: HOST:PORT)", e);
        }
    }

    /** @return the wire form */
    public static HostPort of(Address a) {
        return new HostPort(a.getHost(), a.getPort());
    }

    /** @return this as a wire {@link Address} */
    public Address toAddress() {
        return Address.newBuilder().setHost(host).setPort(port).build();
    }

    /** @return an unresolved socket address */
    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
