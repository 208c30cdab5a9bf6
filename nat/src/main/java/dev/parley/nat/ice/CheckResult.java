package dev.parley.nat.ice;

import java.net.InetSocketAddress;

/**
 * Outcome of connectivity checks.
 *
 * @param selected the nominated pair media uses
 * @param path direct, hole-punched or relay-udp
 * @param setupMs ms from {@link ConnectivityChecks#start()} to selection
 * @param remoteAddress where to send media (the selected pair's remote address)
 * @param checksSent connectivity-check transactions started (without retransmissions)
 */
public record CheckResult(CandidatePair selected, PathKind path, long setupMs, InetSocketAddress remoteAddress, int checksSent) {}
