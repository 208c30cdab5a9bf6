package dev.parley.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.client.call.CallListener;
import dev.parley.client.call.IncomingCallPolicy;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.SearchResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real overlay whose login server issues 3 s credentials: clients renew them on the live session
 * (no password, no reconnect) and stay findable; a disabled account or a changed password stops the renewal.
 */
class CredentialRenewalTest {
    private static final Duration LIFETIME = Duration.ofSeconds(3);
    private static final IncomingCallPolicy DECLINE = (id, c) -> new IncomingCallPolicy.Decline("no");

    @TempDir
    Path dir;

    private TestOverlay overlay() throws Exception {
        return new TestOverlay(dir, 1, c -> c.withCredentialLifetime(LIFETIME));
    }

    @Test
    void staysFindableWithAFreshCredentialPastTwoLifetimesOnTheSameSession() throws Exception {
        try (TestOverlay overlay = overlay()) {
            ParleyClient alice = overlay.client("alice", 0, DECLINE, CallListener.NONE);
            ParleyClient bob = overlay.client("bob", 0, DECLINE, CallListener.NONE);
            Credential first = alice.credential();
            SuperNodeSession session = alice.session();
            long pastTwoLifetimes = first.getIssuedAtMs() + LIFETIME.multipliedBy(2).toMillis();

            SearchResult seen = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                SearchResult r = bob.search("alice").get(10, TimeUnit.SECONDS);
                if (r.getFound() && r.getRecord().getCredential().getIssuedAtMs() > pastTwoLifetimes) {
                    seen = r;
                    break;
                }
                TimeUnit.MILLISECONDS.sleep(100); // polling interval, with a deadline
            }

            assertThat(seen).as("alice found with a credential issued after two lifetimes").isNotNull();
            Credential published = seen.getRecord().getCredential();
            assertThat(published.getExpiresAtMs()).as("unexpired, without the clock-skew allowance")
                    .isGreaterThan(System.currentTimeMillis());
            assertThat(published.getPublicKey()).isEqualTo(first.getPublicKey());
            assertThat(alice.session()).as("renewed on the same super-node connection").isSameAs(session);
            assertThat(alice.renewalRefused()).isNotDone();
        }
    }

    @Test
    void aDisabledAccountsRenewalIsRefusedWithTheReason() throws Exception {
        try (TestOverlay overlay = overlay()) {
            ParleyClient alice = overlay.client("alice", 0, DECLINE, CallListener.NONE);
            Credential before = alice.credential();

            overlay.login.accounts().setDisabled("alice", true);

            ProtocolException refused = alice.renewalRefused().get(15, TimeUnit.SECONDS);
            assertThat(refused.code()).isEqualTo(ErrorCode.ACCOUNT_DISABLED);
            assertThat(refused.getMessage()).isEqualTo("account 'alice' is disabled");
            assertThat(alice.credential()).as("no new credential").isEqualTo(before);
        }
    }

    @Test
    void aPasswordChangeStopsTheRenewalOfCredentialsIssuedBefore() throws Exception {
        try (TestOverlay overlay = overlay()) {
            ParleyClient alice = overlay.client("alice", 0, DECLINE, CallListener.NONE);

            overlay.login.accounts().changePassword("alice", "a-new-password");

            ProtocolException refused = alice.renewalRefused().get(15, TimeUnit.SECONDS);
            assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_CREDENTIAL);
            assertThat(refused.getMessage()).contains("the password changed");
        }
    }
}
