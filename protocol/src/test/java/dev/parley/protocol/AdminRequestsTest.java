package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.parley.protocol.wire.AdminCommand;
import dev.parley.protocol.wire.AdminRequest;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ListAccounts;
import dev.parley.protocol.wire.ResetPassword;
import dev.parley.protocol.wire.SetAccountDisabled;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdminRequestsTest {
    private final Ed25519KeyPair admin = Ed25519KeyPair.fromSeed(filled(1));
    private final byte[] serverKey = Ed25519KeyPair.fromSeed(filled(2)).publicKey();
    private final byte[] nonce = filled(3);
    private final byte[] exporter = filled(4);
    private final AdminCommand disable = AdminCommand.newBuilder()
            .setSetAccountDisabled(SetAccountDisabled.newBuilder().setUsername("alice").setDisabled(true)).build();

    @Test
    void signatureBindsNonceServerKeyExporterAndCommand() {
        AdminRequest request = AdminRequests.sign(admin, nonce, serverKey, exporter, disable);
        assertThat(request.getChannelBound()).isTrue();
        assertThat(AdminRequests.verify(request, nonce, serverKey, exporter)).isTrue();
        assertThat(AdminRequests.verify(request, filled(9), serverKey, exporter)).as("another challenge").isFalse();
        assertThat(AdminRequests.verify(request, nonce, filled(9), exporter)).as("another login server").isFalse();
        assertThat(AdminRequests.verify(request, nonce, serverKey, filled(9))).as("another TLS connection").isFalse();
        assertThat(AdminRequests.verify(request, nonce, serverKey, null)).as("binding stripped").isFalse();
        AdminRequest enable = request.toBuilder().setCommand(AdminCommand.newBuilder().setSetAccountDisabled(
                SetAccountDisabled.newBuilder().setUsername("alice")).build().toByteString()).build();
        assertThat(AdminRequests.verify(enable, nonce, serverKey, exporter)).as("command swapped").isFalse();
        AdminRequest otherKey = request.toBuilder()
                .setAdminKey(ByteString.copyFrom(Ed25519KeyPair.fromSeed(filled(5)).publicKey())).build();
        assertThat(AdminRequests.verify(otherKey, nonce, serverKey, exporter)).as("key swapped").isFalse();
        AdminRequest unbound = AdminRequests.sign(admin, nonce, serverKey, null, disable);
        assertThat(AdminRequests.verify(unbound, nonce, serverKey, null)).isTrue();
        assertThat(AdminRequests.verify(AdminRequest.getDefaultInstance(), nonce, serverKey, null)).isFalse();
    }

    @Test
    void decodesOnlyBoundedCommandsWithOneSet() throws Exception {
        assertThat(AdminRequests.decodeCommand(disable.toByteString())).isEqualTo(disable);
        assertThatThrownBy(() -> AdminRequests.decodeCommand(ByteString.EMPTY))
                .isInstanceOfSatisfying(ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.BAD_REQUEST))
                .hasMessageContaining("none set");
        AdminCommand huge = AdminCommand.newBuilder().setResetPassword(ResetPassword.newBuilder().setUsername("bob")
                .setNewPassword("x".repeat(AdminRequests.MAX_COMMAND_BYTES))).build();
        assertThatThrownBy(() -> AdminRequests.decodeCommand(huge.toByteString()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("(expected: <= 8192)");
        assertThatThrownBy(() -> AdminRequests.decodeCommand(ByteString.copyFrom(new byte[] {0x0a, 0x7f})))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("not an AdminCommand");
    }

    @Test
    void fuzzedCommandsFailOnlyWithProtocolException() {
        SplittableRandom random = new SplittableRandom(14_03);
        byte[][] seeds = {disable.toByteArray(),
                AdminCommand.newBuilder().setListAccounts(ListAccounts.newBuilder().setAfter("bob").setLimit(10)).build()
                        .toByteArray(),
                AdminCommand.newBuilder().setResetPassword(ResetPassword.newBuilder().setUsername("carol")
                        .setNewPassword("correct horse battery")).build().toByteArray()};
        int decoded = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] m = seeds[random.nextInt(seeds.length)].clone();
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                m[random.nextInt(m.length)] = (byte) random.nextInt(256);
            }
            if (random.nextInt(8) == 0) {
                m = Arrays.copyOf(m, random.nextInt(m.length + 16));
            }
            try {
                AdminCommand c = AdminRequests.decodeCommand(ByteString.copyFrom(m));
                assertThat(c.getCommandCase()).isNotEqualTo(AdminCommand.CommandCase.COMMAND_NOT_SET);
                decoded++;
            } catch (ProtocolException expected) {
                assertThat(expected.code()).isEqualTo(ErrorCode.BAD_REQUEST);
            }
        }
        assertThat(decoded).as("some mutations still decode").isPositive().isLessThan(5000);
    }

    private static byte[] filled(int b) {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) b);
        return bytes;
    }
}
