package dev.parley.login;

import com.google.protobuf.ByteString;
import dev.parley.login.LoginMetrics.Request;
import dev.parley.protocol.Envelopes;
import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.SourceAddresses;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.wire.AccountLookupResult;
import dev.parley.protocol.wire.Address;
import dev.parley.protocol.wire.CreateAccount;
import dev.parley.protocol.wire.Credential;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Login;
import dev.parley.protocol.wire.LoginResult;
import dev.parley.protocol.wire.RenewCredential;
import dev.parley.protocol.wire.ServerKey;
import java.time.InstantSource;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one login-server connection: answers each request {@link Envelope} with a response
 * carrying the same request id.
 *
 * <ul>
 *   <li>{@code CreateAccount} → {@code Ok} or Error INVALID_USERNAME / USERNAME_TAKEN / BAD_REQUEST
 *       (password shorter than {@value AccountService#MIN_NEW_PASSWORD_CHARS}) / RATE_LIMITED</li>
 *   <li>{@code Login} → {@code LoginResult} (credential, up to {@value #LOGIN_SUPER_NODES} super
 *       nodes, server key) or Error WRONG_CREDENTIALS / ACCOUNT_DISABLED / INVALID_USERNAME / BAD_REQUEST / RATE_LIMITED</li>
 *   <li>{@code RenewCredential} → {@code LoginResult} as for Login, or Error INVALID_CREDENTIAL /
 *       EXPIRED_CREDENTIAL / ACCOUNT_DISABLED / RATE_LIMITED ({@link AccountService#renew})</li>
 *   <li>{@code GetServerKey} → {@code ServerKey}</li>
 *   <li>{@code EnrollSuperNode} (token) and {@code RenewSuperNode} (enrolled key) →
 *       {@code SuperNodeCertificate} ({@link SuperNodeCertifier}), or Error INVALID_CREDENTIAL /
 *       EXPIRED_CREDENTIAL / BAD_REQUEST / RATE_LIMITED; a certificate issued on this connection
 *       makes it a certified super node's connection</li>
 *   <li>{@code SuperNodeHeartbeat} → {@code SuperNodeDirectory} (live super nodes with their
 *       certificates, as many as fit in a frame), only on a certified super node's connection and for
 *       the address its certificate names: else Error INVALID_CREDENTIAL (EXPIRED_CREDENTIAL after the
 *       certificate expired), and the directory is unchanged</li>
 *   <li>{@code ServeOffer} / {@code ServeProbeEcho} (a client offering to serve) → answered by the
 *       {@link Promoter}: Ok, or Error NOT_ELIGIBLE / RATE_LIMITED / INVALID_CREDENTIAL / BAD_REQUEST;
 *       promotions and demotions follow as {@code ServeOrder} pushes on the same connection</li>
 *   <li>{@code LiveSuperNodes} → {@code SuperNodeDirectory}: up to {@value #LOGIN_SUPER_NODES} live
 *       addresses (no certificates), from memory</li>
 *   <li>admin messages are served by {@link AdminHandler} in front of this handler</li>
 *   <li>anything else → Error BAD_REQUEST; the connection stays open</li>
 * </ul>
 *
 * <p>CreateAccount and Login first pass the {@link LoginGuard} (per-address buckets, backoff after
 * failed logins; refused ones get RATE_LIMITED without any Argon2id work), then run on the worker executor; responses are written
 * back through the channel. A full worker queue, or more than {@value #MAX_IN_FLIGHT} pending
 * requests on this connection, gets Error RATE_LIMITED instead of unbounded queueing.
 *
 * <p>One instance per channel: {@code inFlight} is confined to the channel's event loop.
 */
public final class LoginHandler extends SimpleChannelInboundHandler<Envelope> {
    private static final Logger log = LoggerFactory.getLogger(LoginHandler.class);
    /** Super nodes returned with a login. */
    public static final int LOGIN_SUPER_NODES = 7;
    /** Blocking requests one connection may have pending; stops one client from filling the queue. */
    public static final int MAX_IN_FLIGHT = 8;
    /** Longest super-node host accepted, in characters (a DNS name is at most 253). */
    public static final int MAX_HOST_CHARS = 253;

    private final AccountService accounts;
    private final SuperNodeRegistry directory;
    private final ByteString serverPublicKey;
    private final Executor worker;
    private final LoginGuard guard;
    private final SuperNodeCertifier certifier;
    private final LoginMetrics metrics;
    private int inFlight; // event loop only
    private final ServeRequests serveRequests;
    private final CertifiedHeartbeats heartbeats;

    /**
     * @param accounts account logic (blocking; only called on {@code worker})
     * @param directory the shared super-node directory
     * @param serverPublicKey the login server's raw 32-byte Ed25519 public key
     * @param worker bounded executor for blocking work; throws {@link RejectedExecutionException} when full
     * @param guard the server's abuse limits on password work, shared by all connections
     * @param certifier super-node enrolment and certificates (blocking; only called on {@code worker})
     * @param clock time of certificate expiry checks
     */
    public LoginHandler(AccountService accounts, SuperNodeRegistry directory, byte[] serverPublicKey, Executor worker,
            LoginGuard guard, SuperNodeCertifier certifier, InstantSource clock) {
        this(accounts, directory, serverPublicKey, worker, guard, certifier, clock, LoginMetrics.none());
    }

    /**
     * As {@link #LoginHandler(AccountService, SuperNodeRegistry, byte[], Executor, LoginGuard, SuperNodeCertifier,
     * InstantSource)}, counting requests by outcome in {@code metrics}.
     */
    public LoginHandler(AccountService accounts, SuperNodeRegistry directory, byte[] serverPublicKey, Executor worker,
            LoginGuard guard, SuperNodeCertifier certifier, InstantSource clock, LoginMetrics metrics) {
        this(accounts, directory, serverPublicKey, worker, guard, certifier, clock, metrics,
                new SuperNodeLinks(SuperNodeRegistry.DEFAULT_MAX_ENTRIES));
    }

    /**
     * As {@link #LoginHandler(AccountService, SuperNodeRegistry, byte[], Executor, LoginGuard, SuperNodeCertifier,
     * InstantSource, LoginMetrics)}, recording the super nodes whose heartbeats it accepts (with their
     * load and connection) in {@code links}, for administrators.
     */
    public LoginHandler(AccountService accounts, SuperNodeRegistry directory, byte[] serverPublicKey, Executor worker,
            LoginGuard guard, SuperNodeCertifier certifier, InstantSource clock, LoginMetrics metrics,
            SuperNodeLinks links) {
        this(accounts, directory, serverPublicKey, worker, guard, certifier, clock, metrics, links, null);
    }

    /**
     * As {@link #LoginHandler(AccountService, SuperNodeRegistry, byte[], Executor, LoginGuard, SuperNodeCertifier,
     * InstantSource, LoginMetrics, SuperNodeLinks)}, handing clients' serve offers and probe echoes to
     * {@code promoter} (null: this login server promotes nobody; offers get BAD_REQUEST).
     */
    LoginHandler(AccountService accounts, SuperNodeRegistry directory, byte[] serverPublicKey, Executor worker,
            LoginGuard guard, SuperNodeCertifier certifier, InstantSource clock, LoginMetrics metrics,
            SuperNodeLinks links, @Nullable Promoter promoter) {
        this.serveRequests = new ServeRequests(promoter, directory);
        this.heartbeats = new CertifiedHeartbeats(directory, links, clock);
        this.metrics = metrics;
        this.guard = guard;
        this.certifier = certifier;
        this.accounts = accounts;
        this.directory = directory;
        this.serverPublicKey = ByteString.copyFrom(serverPublicKey);
        this.worker = worker;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Envelope request) {
        long id = request.getRequestId();
        String source = SourceAddresses.key(ctx.channel().remoteAddress());
        switch (request.getBodyCase()) {
            case CREATE_ACCOUNT -> {
                if (admitted(ctx, id, Request.CREATE_ACCOUNT, () -> guard.admitCreate(source))) {
                    submit(ctx, id, Request.CREATE_ACCOUNT, () -> createAccount(ctx.channel(), id, request.getCreateAccount()));
                }
            }
            case LOGIN -> {
                String account = canonicalOrNull(request.getLogin().getUsername());
                if (admitted(ctx, id, Request.LOGIN, () -> guard.admitLogin(source, account))) {
                    submit(ctx, id, Request.LOGIN, () -> login(ctx.channel(), id, request.getLogin(), source, account));
                }
            }
            case RENEW_CREDENTIAL -> {
                if (admitted(ctx, id, Request.RENEW_CREDENTIAL, () -> guard.admitRenewal(source))) {
                    submit(ctx, id, Request.RENEW_CREDENTIAL, () -> renew(ctx.channel(), id, request.getRenewCredential()));
                }
            }
            case ACCOUNT_LOOKUP -> { // tells what CreateAccount would tell: as rate-limited as it
                if (admitted(ctx, id, Request.LOOKUP_ACCOUNT, () -> guard.admitLookup(source))) {
                    submit(ctx, id, Request.LOOKUP_ACCOUNT, () -> Envelopes.builder(id).setAccountLookupResult(AccountLookupResult
                            .newBuilder().setExists(accounts.exists(request.getAccountLookup().getUsername()))).build());
                }
            }
            case GET_SERVER_KEY -> ctx.writeAndFlush(Envelopes.builder(id)
                    .setServerKey(ServerKey.newBuilder().setPublicKey(serverPublicKey)).build());
            case ENROLL_SUPERNODE -> {
                if (admitted(ctx, id, Request.ENROLL_SUPERNODE, () -> guard.admitEnrolment(source))) {
                    submit(ctx, id, Request.ENROLL_SUPERNODE, () -> enrol(ctx.channel(), id, request, source));
                }
            }
            case RENEW_SUPERNODE -> {
                if (admitted(ctx, id, Request.RENEW_SUPERNODE, () -> guard.admitRenewal(source))) {
                    submit(ctx, id, Request.RENEW_SUPERNODE, () -> Envelopes.builder(id)
                            .setSupernodeCertificate(certifier.renew(request.getRenewSupernode())).build());
                }
            }
            case SUPERNODE_HEARTBEAT -> heartbeats.heartbeat(ctx, id, request.getSupernodeHeartbeat());
            case SERVE_OFFER, SERVE_PROBE_ECHO, LIVE_SUPER_NODES -> serveRequests.handle(ctx, id, request);
            case BODY_NOT_SET -> ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "envelope: no body"));
            default -> ctx.writeAndFlush(Envelopes.error(id, ErrorCode.BAD_REQUEST, "message: "
                    + request.getBodyCase().name().toLowerCase(Locale.ROOT)
                    + " (expected: create_account, login, renew_credential, account_lookup, get_server_key, enroll_supernode,"
                    + " renew_supernode, supernode_heartbeat, serve_offer, serve_probe_echo or live_super_nodes)"));
        }
    }

    private Envelope createAccount(Channel channel, long id, CreateAccount request) throws Exception {
        Account account = accounts.createAccount(request.getUsername(), request.getPassword());
        log.info("account created: {} (from {})", account.username(), channel.remoteAddress());
        return Envelopes.ok(id);
    }

    private Envelope login(Channel channel, long id, Login request, String source, String account) throws Exception {
        Credential credential;
        try {
            credential = accounts.login(request.getUsername(), request.getPassword(),
                    request.getClientPublicKey().toByteArray(), request.getClientEncryptionKey().toByteArray());
            guard.loginSucceeded(source, account);
        } catch (ProtocolException e) {
            if (e.code() == ErrorCode.WRONG_CREDENTIALS) {
                guard.loginFailed(source, account);
            }
            log.info("login failed: '{}' from {}: {}", printable(request.getUsername(), 64),
                    channel.remoteAddress(), printable(e.getMessage(), 256));
            throw e;
        }
        log.info("login: {} from {}", credential.getUsername(), channel.remoteAddress());
        serveRequests.loggedIn(credential.getUsername());
        return loginResult(id, credential);
    }

    private Envelope enrol(Channel channel, long id, Envelope request, String source) throws Exception {
        try {
            return Envelopes.builder(id).setSupernodeCertificate(certifier.enrol(request.getEnrollSupernode())).build();
        } catch (ProtocolException e) {
            guard.enrolmentFailed(source);
            log.info("enrolment refused from {}: {}", channel.remoteAddress(), printable(e.getMessage(), 256));
            throw e;
        }
    }

    private Envelope renew(Channel channel, long id, RenewCredential request) throws Exception {
        Credential credential;
        try {
            credential = accounts.renew(request);
        } catch (ProtocolException e) {
            log.info("renewal refused: '{}' from {}: {}", printable(request.getCredential().getUsername(), 64),
                    channel.remoteAddress(), printable(e.getMessage(), 256));
            throw e;
        }
        log.info("credential renewed: {} from {}", credential.getUsername(), channel.remoteAddress());
        return loginResult(id, credential);
    }

    private Envelope loginResult(long id, Credential credential) {
        LoginResult.Builder result = LoginResult.newBuilder().setCredential(credential).setServerPublicKey(serverPublicKey);
        for (HostPort superNode : directory.live(LOGIN_SUPER_NODES)) {
            result.addSuperNodes(superNode.toAddress());
        }
        return Envelopes.builder(id).setLoginResult(result).build();
    }

    /**
     * @return the address as a {@link HostPort}
     * @throws ProtocolException BAD_REQUEST unless the host is 1..{@value #MAX_HOST_CHARS} printable
     *     non-space characters and the port is 1..65535
     */
    static HostPort validSuperNodeAddress(Address address) throws ProtocolException {
        String host = address.getHost();
        if (host.isEmpty() || host.length() > MAX_HOST_CHARS
                || !host.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format(
                    "super node host: '%s' (expected: 1..%d printable ASCII characters)",
                    host.length() > 64 ? host.substring(0, 64) + "…" : host, MAX_HOST_CHARS));
        }
        if (address.getPort() < 1 || address.getPort() > 65535) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST,
                    String.format("super node port: %d (expected: 1..65535)", address.getPort()));
        }
        return new HostPort(host, address.getPort());
    }

    /** @return client-supplied {@code text} safe for a log line: control characters replaced, length bounded */
    static String printable(String text, int maxChars) {
        String shortened = text.length() > maxChars ? text.substring(0, maxChars) + "…" : text;
        return shortened.codePoints().map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    /** @return whether {@code check} passed; else its RATE_LIMITED error has been sent */
    private boolean admitted(ChannelHandlerContext ctx, long id, Request request, Check check) {
        try {
            check.run();
            return true;
        } catch (ProtocolException e) {
            metrics.refused(request, e.code());
            log.info("refused from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
            ctx.writeAndFlush(Envelopes.error(id, e));
            return false;
        }
    }

    private static String canonicalOrNull(String username) {
        try {
            return Usernames.canonical(username);
        } catch (ProtocolException e) {
            return null; // the worker answers INVALID_USERNAME
        }
    }

    /** A limit check. */
    @FunctionalInterface
    private interface Check {
        void run() throws ProtocolException;
    }

    /** Runs {@code work} on the worker executor and writes its response (or error) back on the event loop. */
    private void submit(ChannelHandlerContext ctx, long id, Request request, Work work) {
        if (inFlight >= MAX_IN_FLIGHT) {
            metrics.refused(request, ErrorCode.RATE_LIMITED);
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.RATE_LIMITED, String.format(
                    "pending requests: %d (expected: <= %d); wait for responses first", inFlight, MAX_IN_FLIGHT)));
            return;
        }
        Channel channel = ctx.channel();
        inFlight++;
        try {
            worker.execute(() -> respond(channel, counted(request, run(id, work))));
        } catch (RejectedExecutionException e) {
            inFlight--;
            metrics.refused(request, ErrorCode.RATE_LIMITED);
            ctx.writeAndFlush(Envelopes.error(id, ErrorCode.RATE_LIMITED, "server busy; retry later"));
        }
    }

    private Envelope counted(Request request, Envelope response) {
        if (response.getBodyCase() == Envelope.BodyCase.ERROR) {
            metrics.refused(request, response.getError().getCode());
        } else {
            metrics.ok(request);
        }
        return response;
    }

    private static Envelope run(long id, Work work) {
        try {
            return work.run();
        } catch (ProtocolException e) {
            return Envelopes.error(id, e);
        } catch (Exception e) {
            log.warn("request {} failed", id, e);
            return Envelopes.error(id, ErrorCode.INTERNAL, "internal error; try again later");
        }
    }

    private void respond(Channel channel, Envelope response) {
        try {
            channel.eventLoop().execute(() -> {
                inFlight--;
                heartbeats.issued(response);
                channel.writeAndFlush(response);
            });
        } catch (RejectedExecutionException e) {
            log.debug("dropping response to {}: event loop shut down", channel.remoteAddress());
        }
    }

    /** Blocking work producing a response envelope. */
    @FunctionalInterface
    private interface Work {
        Envelope run() throws Exception;
    }
}
