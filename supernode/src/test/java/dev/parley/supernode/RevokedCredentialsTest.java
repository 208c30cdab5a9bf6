package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Credential;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RevokedCredentialsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final RevokedCredentials revoked = new RevokedCredentials(clock);

    private static Credential issuedAt(String user, long ms) {
        return Credential.newBuilder().setUsername(user).setIssuedAtMs(ms).build();
    }

    @Test
    void refusesOnlyTheUsersCredentialsIssuedBeforeTheRevocationAndForgetsAfterRetention() {
        revoked.revoke("alice", 1_000);
        revoked.revoke("alice", 500); // an older revocation does not shorten a later one
        assertThatThrownBy(() -> revoked.check(issuedAt("alice", 999))).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("revoked");
        assertThatCode(() -> revoked.check(issuedAt("alice", 1_000))).as("issued since").doesNotThrowAnyException();
        assertThatCode(() -> revoked.check(issuedAt("bob", 1))).doesNotThrowAnyException();
        clock.advance(RevokedCredentials.RETENTION.plus(Duration.ofSeconds(1)));
        assertThatCode(() -> revoked.check(issuedAt("alice", 999))).doesNotThrowAnyException();
    }
}
