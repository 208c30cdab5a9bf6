package dev.parley.nat.relay;

import java.net.InetSocketAddress;

/** Where {@link RelayAllocationTable#route} sends one packet from a source address. */
public sealed interface RelayRoute {
    /** The source is not a latched party, or its peer is not latched yet: not the relay's packet. */
    record Unknown() implements RelayRoute {}

    /** A latched party over its allocation's byte rate: drop the packet (counted). */
    record OverRate() implements RelayRoute {}

    /**
     * @param to the other party's address: forward the packet there
     * @param toIpv4 {@code to} as {@link RelayAllocationTable#ipv4Key} (-1 if not IPv4), made once per
     *     latch so a native batch writes the destination without reading the address objects
     */
    record Forward(InetSocketAddress to, long toIpv4) implements RelayRoute {
        /** @param to the other party's address */
        public Forward(InetSocketAddress to) {
            this(to, RelayAllocationTable.ipv4Key(to));
        }
    }

    /** The one {@link Unknown}. */
    RelayRoute UNKNOWN = new Unknown();
    /** The one {@link OverRate}. */
    RelayRoute OVER_RATE = new OverRate();
}
