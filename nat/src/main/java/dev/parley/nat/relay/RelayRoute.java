package dev.parley.nat.relay;

import java.net.InetSocketAddress;

/** Where {@link RelayAllocationTable#route} sends one packet from a source address. */
public sealed interface RelayRoute {
    /** The source is not a latched party, or its peer is not latched yet: not the relay's packet. */
    record Unknown() implements RelayRoute {}

    /** A latched party over its allocation's byte rate: drop the packet (counted). */
    record OverRate() implements RelayRoute {}

    /** @param to the other party's address: forward the packet there */
    record Forward(InetSocketAddress to) implements RelayRoute {}

    /** The one {@link Unknown}. */
    RelayRoute UNKNOWN = new Unknown();
    /** The one {@link OverRate}. */
    RelayRoute OVER_RATE = new OverRate();
}
