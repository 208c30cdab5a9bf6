package dev.parley.supernode;

import dev.parley.protocol.HostPort;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address a super node tells others to use (the directory, presence records, the mesh): never
 * one they cannot use. An unspecified listen address (0.0.0.0) is replaced by a guess; a host name
 * is refused (the mesh accepts IP literals only); loopback is refused when the login server is on
 * another host.
 */
final class AdvertisedAddress {
    private static final Logger log = LoggerFactory.getLogger(AdvertisedAddress.class);

    private AdvertisedAddress() {}

    /**
     * @param advertise the operator's choice ({@code --advertise}), or null
     * @param bound the listen address as bound (its port is the real one)
     * @param login the login server's address
     * @param interfaces this host's addresses, for a guess
     * @return the address to advertise
     * @throws IOException with the reason and what to do, when no usable address can be advertised
     */
    static HostPort choose(@Nullable HostPort advertise, HostPort bound, HostPort login, List<InetAddress> interfaces)
            throws IOException {
        if (advertise != null) {
            InetAddress ip = literal(advertise.host(), "--advertise");
            if (ip.isAnyLocalAddress()) {
                throw new IOException("--advertise " + advertise + ": an unspecified address (expected: the IP address "
                        + "other hosts reach this one at)");
            }
            checkReachable(ip, advertise, login, "--advertise");
            return advertise;
        }
        InetAddress ip = resolve(bound.host());
        if (!ip.isAnyLocalAddress()) {
            checkReachable(ip, bound, login, "--listen");
            // a host name (e.g. localhost) is advertised as the address it names
            return isLiteral(bound.host(), ip) ? bound : new HostPort(ip.getHostAddress(), bound.port());
        }
        InetAddress loginIp = resolve(login.host());
        Optional<InetAddress> guess = loginIp.isLoopbackAddress()
                ? Optional.of(InetAddress.getLoopbackAddress())
                : interfaces.stream().filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()
                        && !a.isLinkLocalAddress() && !a.isAnyLocalAddress()).findFirst();
        if (guess.isEmpty()) {
            throw new IOException("--listen " + bound.host() + ": no address of this host to advertise (expected: "
                    + "--advertise IP:PORT, the address other hosts reach this one at)");
        }
        HostPort chosen = new HostPort(guess.get().getHostAddress(), bound.port());
        log.warn("listening on {}: advertising {} (a guess; --advertise IP:PORT chooses)", bound, chosen);
        return chosen;
    }

    /** @return this host's interface addresses (empty if they cannot be listed) */
    static List<InetAddress> localAddresses() {
        List<InetAddress> out = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (nic.isUp()) {
                    out.addAll(Collections.list(nic.getInetAddresses()));
                }
            }
        } catch (SocketException e) {
            log.debug("cannot list network interfaces: {}", e.toString());
        }
        return out;
    }

    private static void checkReachable(InetAddress ip, HostPort address, HostPort login, String option) throws IOException {
        if (ip.isLoopbackAddress() && !resolve(login.host()).isLoopbackAddress()) {
            throw new IOException(option + " " + address + ": loopback, but the login server " + login + " is on another "
                    + "host, so other super nodes and clients could not reach this one (expected: --advertise IP:PORT)");
        }
    }

    private static boolean isLiteral(String host, InetAddress ip) {
        return ip.getHostAddress().equals(host) || host.contains(":"); // a name never contains ':'
    }

    private static InetAddress literal(String host, String option) throws IOException {
        InetAddress ip = resolve(host);
        if (!isLiteral(host, ip)) {
            throw new IOException(option + " " + host + ": a host name (expected: an IP address; the mesh accepts IP "
                    + "literals only)");
        }
        return ip;
    }

    private static InetAddress resolve(String host) throws IOException {
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IOException("cannot resolve " + host + ": " + e.getMessage(), e);
        }
    }
}
