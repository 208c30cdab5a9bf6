package dev.parley.login;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.parley.login.SuperNodeRegistry.Heard;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.wire.SuperNodeCertificate;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The super-node directory shared by the login servers of one database (table
 * {@code supernode_directory}, V6): every {@linkplain Duration period} it writes the heartbeats
 * heard here since the last time (one upsert per super node: the latest wins), deletes rows older
 * than the TTL and merges the live rows into this server's {@link SuperNodeRegistry}. So a super
 * node heartbeating login server A is listed by login server B within a period, and when A dies the
 * super nodes it heard stay listed by B until their TTL (by then they heartbeat B themselves).
 *
 * <p>Heartbeats are answered from the in-memory registry on the event loop; the database work runs
 * on this class's own thread. A database outage only delays sharing: the pending heartbeats (at most
 * one per super node, bounded by the registry's bound) are written when it is back.
 */
final class DirectorySync implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DirectorySync.class);
    private static final HexFormat HEX = HexFormat.of();
    /** Default time between two synchronizations. */
    static final Duration DEFAULT_PERIOD = Duration.ofSeconds(1);
    /** Largest certificate stored, in bytes (a real one is about 200 bytes plus the host name). */
    static final int MAX_CERTIFICATE_BYTES = 1900;
    private static final String UPSERT = "INSERT INTO supernode_directory (address, certificate, heard_at_ms)"
            + " VALUES (?, ?, ?) ON CONFLICT (address) DO UPDATE SET certificate = excluded.certificate,"
            + " heard_at_ms = excluded.heard_at_ms WHERE supernode_directory.heard_at_ms < excluded.heard_at_ms";

    private final DataSource db;
    private final SuperNodeRegistry registry;
    private final InstantSource clock;
    private final Duration ttl;
    private final int maxEntries;
    /** Heartbeats heard here and not yet written: the latest per address. */
    private final Map<HostPort, Heard> pending = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("login-directory", true));
    private long lastFailureLogMs = Long.MIN_VALUE; // sync thread only

    /**
     * @param db the shared database (migrated)
     * @param registry this server's registry: its heartbeats are written, the others' merged into it
     * @param clock time of the TTL (the registry's)
     * @param ttl liveness after a heartbeat (the registry's)
     * @param maxEntries bound on pending heartbeats and rows read (the registry's)
     */
    DirectorySync(DataSource db, SuperNodeRegistry registry, InstantSource clock, Duration ttl, int maxEntries) {
        this.db = db;
        this.registry = registry;
        this.clock = clock;
        this.ttl = ttl;
        this.maxEntries = maxEntries;
    }

    /** Listens to the registry's heartbeats and synchronizes every {@code period}, the first time now. */
    void start(Duration period) {
        registry.listen(this::heard);
        thread.scheduleWithFixedDelay(this::syncLogged, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void heard(HostPort address, SuperNodeCertificate certificate, Instant heardAt) {
        if (pending.size() < maxEntries || pending.containsKey(address)) {
            pending.put(address, new Heard(address, certificate, heardAt));
        }
    }

    private void syncLogged() {
        try {
            sync();
        } catch (SQLException | RuntimeException e) {
            long now = clock.millis();
            if (now - lastFailureLogMs >= 60_000) { // a database outage: say so once a minute, not every second
                lastFailureLogMs = now;
                log.warn("cannot share the super-node directory through the database (retrying every second): {}",
                        e.getMessage());
            }
        }
    }

    /**
     * Writes the pending heartbeats, deletes expired rows and merges the live ones into the registry
     * (blocking JDBC; on the sync thread, or a test's).
     *
     * @throws SQLException on database failure (the unwritten heartbeats stay pending)
     */
    void sync() throws SQLException {
        long cutoffMs = clock.millis() - ttl.toMillis();
        List<Heard> written = new ArrayList<>(pending.values());
        try (Connection c = db.getConnection()) {
            if (!written.isEmpty()) {
                try (PreparedStatement st = c.prepareStatement(UPSERT)) {
                    for (Heard h : written) {
                        byte[] cert = h.certificate().toByteArray();
                        if (cert.length > MAX_CERTIFICATE_BYTES) {
                            continue; // cannot come from our certifier; never let it grow the table
                        }
                        st.setString(1, h.address().toString());
                        st.setString(2, HEX.formatHex(cert));
                        st.setLong(3, h.heardAt().toEpochMilli());
                        st.addBatch();
                    }
                    st.executeBatch();
                }
                written.forEach(h -> pending.remove(h.address(), h)); // unless heard again meanwhile
            }
            try (PreparedStatement st = c.prepareStatement("DELETE FROM supernode_directory WHERE heard_at_ms <= ?")) {
                st.setLong(1, cutoffMs);
                st.executeUpdate();
            }
            registry.merge(live(c, cutoffMs));
        }
    }

    private List<Heard> live(Connection c, long cutoffMs) throws SQLException {
        List<Heard> live = new ArrayList<>();
        try (PreparedStatement st = c.prepareStatement("SELECT address, certificate, heard_at_ms FROM supernode_directory"
                + " WHERE heard_at_ms > ? ORDER BY heard_at_ms DESC LIMIT ?")) {
            st.setLong(1, cutoffMs);
            st.setInt(2, maxEntries);
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    String address = rs.getString(1);
                    String hex = rs.getString(2);
                    try {
                        if (hex.length() > 2 * MAX_CERTIFICATE_BYTES) {
                            throw new IllegalArgumentException(String.format("certificate: %d hex digits (expected: <= %d)",
                                    hex.length(), 2 * MAX_CERTIFICATE_BYTES));
                        }
                        SuperNodeCertificate cert = SuperNodeCertificate.parseFrom(HEX.parseHex(hex));
                        HostPort named = HostPort.of(cert.getAddress());
                        if (!named.toString().equals(address)) {
                            throw new IllegalArgumentException("certificate names " + named);
                        }
                        live.add(new Heard(named, cert, Instant.ofEpochMilli(rs.getLong(3))));
                    } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
                        log.debug("ignoring directory row {}: {}", address, e.getMessage());
                    }
                }
            }
        }
        return live;
    }

    /** Stops synchronizing; idempotent. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
