package dev.parley.app;

import dev.parley.login.AccountService;
import dev.parley.login.AdminStore;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.tls.KeyVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code parley login-server authorize-admin}: lets an admin key administer the login server. Runs on
 * the server's host against its database: access to it is the trust (docs/security.md "Administrators").
 */
@Command(name = "authorize-admin", mixinStandardHelpOptions = true,
        description = {"Authorizes an admin public key (from `parley admin keygen`) to administer this login server "
                + "over its TLS port; --revoke removes it. Takes effect at once, also for a running login server."})
final class AuthorizeAdminCommand implements Callable<Integer> {
    private static final Pattern HEX_KEY = Pattern.compile("[0-9a-fA-F]{64}");

    @Mixin
    LoginServerOptions options = new LoginServerOptions();

    @Parameters(paramLabel = "PUBKEY_OR_FILE", description = "The public key in hex (64 digits), or a file holding it (KEY.pub).")
    String key;

    @Option(names = "--revoke", description = "Remove the key instead.")
    boolean revoke;

    @Override
    public Integer call() throws Exception {
        byte[] publicKey = parse(key);
        String fingerprint = KeyVerifier.fingerprint(publicKey);
        try (AdminStore store = AdminStore.open(options.config(new HostPort("127.0.0.1", 0)))) {
            if (revoke) {
                boolean was = store.deauthorize(publicKey);
                System.err.println(was ? "admin key " + fingerprint + " revoked" : "admin key " + fingerprint
                        + " was not authorized");
                return was ? 0 : 1;
            }
            boolean added = store.authorize(publicKey, System.currentTimeMillis());
            System.err.println("admin key " + fingerprint + (added ? " authorized" : " was authorized already"));
        }
        return 0;
    }

    /** @return the raw key from 64 hex digits, or from the file holding them */
    static byte[] parse(String keyOrFile) throws IOException {
        String hex = keyOrFile.strip();
        if (!HEX_KEY.matcher(hex).matches()) {
            Path file = Path.of(keyOrFile);
            if (!Files.isRegularFile(file) || Files.size(file) > 1024) {
                throw new IOException(keyOrFile + ": neither a public key (64 hex digits) nor a file holding one");
            }
            hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (!HEX_KEY.matcher(hex).matches()) {
                throw new IOException(file + ": not a public key (expected: 64 hex digits, as parley admin keygen writes)");
            }
        }
        byte[] raw = HexFormat.of().parseHex(hex);
        try {
            AccountService.checkPublicKey(raw); // a curve point, as for a client's key
        } catch (ProtocolException e) {
            throw new IOException(keyOrFile + ": not an Ed25519 public key", e);
        }
        return raw;
    }
}
