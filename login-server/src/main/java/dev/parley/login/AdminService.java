package dev.parley.login;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.Usernames;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.wire.AccountInfo;
import dev.parley.protocol.wire.AccountList;
import dev.parley.protocol.wire.AdminCommand;
import dev.parley.protocol.wire.AdminDone;
import dev.parley.protocol.wire.AdminResponse;
import dev.parley.protocol.wire.DropUser;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ListAccounts;
import dev.parley.protocol.wire.ListOnline;
import dev.parley.protocol.wire.OnlineList;
import dev.parley.protocol.wire.SuperNodeInfo;
import dev.parley.protocol.wire.SuperNodeList;
import dev.parley.protocol.wire.SuperNodeQuery;
import dev.parley.protocol.wire.SuperNodeQueryResult;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out verified administrator commands ({@code AdminCommand}): account listing, disable and
 * enable, password reset, the super-node listing and who is online on a super node. Authentication
 * is the caller's ({@link AdminHandler}).
 *
 * <p>Disabling an account or resetting its password also tells every connected super node
 * ({@link SuperNodeLinks}) to drop the user's sessions and refuse its older credentials
 * ({@code DropUser}); a super node not connected to this login server keeps such a session until the
 * credential expires (it cannot be renewed).
 *
 * <p>{@link #execute} blocks on JDBC and Argon2id: call it on a worker thread, never on an event loop.
 */
final class AdminService {
    private static final Logger log = LoggerFactory.getLogger(AdminService.class);
    /** Most usernames an online listing returns (the total is always given). */
    static final int MAX_ONLINE = 1000;

    private final AccountService accounts;
    private final AccountStore store;
    private final AdminStore admins;
    private final SuperNodeLinks links;
    private final UploadEstimates uploads;
    private final InstantSource clock;

    AdminService(AccountService accounts, AccountStore store, AdminStore admins, SuperNodeLinks links,
            UploadEstimates uploads, InstantSource clock) {
        this.accounts = accounts;
        this.store = store;
        this.admins = admins;
        this.links = links;
        this.uploads = uploads;
        this.clock = clock;
    }

    /** @return whether {@code adminKey} is authorized (blocking: JDBC) */
    boolean authorized(byte[] adminKey) throws SQLException {
        return admins.isAuthorized(adminKey);
    }

    /**
     * Carries out {@code command} (blocking: JDBC, Argon2id for a password reset).
     *
     * @param command a decoded command (one set)
     * @param admin who asked, for the log
     * @return completes with the response (without its next nonce), or exceptionally with
     *     {@link ProtocolException} (BAD_REQUEST, INVALID_USERNAME, USER_NOT_FOUND, USER_OFFLINE, BUSY)
     * @throws ProtocolException for a malformed or impossible command
     * @throws SQLException on database failure
     */
    CompletableFuture<AdminResponse.Builder> execute(AdminCommand command, String admin)
            throws ProtocolException, SQLException {
        return switch (command.getCommandCase()) {
            case LIST_ACCOUNTS -> CompletableFuture.completedFuture(listAccounts(command.getListAccounts()));
            case SET_ACCOUNT_DISABLED -> {
                String user = Usernames.canonical(command.getSetAccountDisabled().getUsername());
                boolean disable = command.getSetAccountDisabled().getDisabled();
                accounts.setDisabled(user, disable);
                log.info("admin {}: account '{}' {}", admin, user, disable ? "disabled" : "enabled");
                yield disable ? dropEverywhere(user, clock.millis() + 1, "account '" + user + "' disabled")
                        : CompletableFuture.completedFuture(done("account '" + user + "' enabled", 0));
            }
            case RESET_PASSWORD -> {
                String user = Usernames.canonical(command.getResetPassword().getUsername());
                accounts.changePassword(user, command.getResetPassword().getNewPassword());
                log.info("admin {}: password of '{}' reset", admin, user);
                long notBefore = store.find(user).map(Account::credentialsNotBeforeMs).orElse(clock.millis() + 1);
                yield dropEverywhere(user, notBefore, "password of '" + user + "' reset; older credentials revoked");
            }
            case LIST_SUPER_NODES -> CompletableFuture.completedFuture(listSuperNodes());
            case LIST_ONLINE -> listOnline(command.getListOnline());
            case COMMAND_NOT_SET -> throw new ProtocolException(ErrorCode.BAD_REQUEST, "command: none set");
        };
    }

    private AdminResponse.Builder listAccounts(ListAccounts request) throws ProtocolException, SQLException {
        int limit = limit(request.getLimit(), AdminStore.MAX_LIST);
        String after = request.getAfter();
        if (after.length() > Usernames.MAX_LENGTH) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("after: %d characters (expected: <= %d)",
                    after.length(), Usernames.MAX_LENGTH));
        }
        List<AccountInfo> page = admins.listAccounts(after, limit);
        AccountList.Builder list = AccountList.newBuilder().setTotal(store.count()).setMore(page.size() > limit);
        list.addAllAccounts(page.subList(0, Math.min(limit, page.size())));
        return AdminResponse.newBuilder().setAccounts(list);
    }

    private AdminResponse.Builder listSuperNodes() {
        SuperNodeList.Builder list = SuperNodeList.newBuilder();
        for (SuperNodeLinks.Link l : links.links()) {
            SuperNodeInfo.Builder info = SuperNodeInfo.newBuilder().setAddress(l.address().toAddress())
                    .setNodeKey(l.certificate().getNodeKey())
                    .setCertificateExpiresAtMs(l.certificate().getExpiresAtMs()).setLastHeartbeatMs(l.heardAtMs())
                    .setRegisteredClients(l.load().getRegisteredClients()).setLivePeers(l.load().getLivePeers())
                    .setRelayAllocations(l.load().getRelayAllocations());
            // Promoted clients only: a dedicated super node's upload was never measured.
            uploads.kbps(KeyVerifier.fingerprint(l.certificate().getNodeKey().toByteArray())).ifPresent(info::setUploadKbps);
            list.addSuperNodes(info);
        }
        return AdminResponse.newBuilder().setSuperNodes(list);
    }

    private CompletableFuture<AdminResponse.Builder> listOnline(ListOnline request) throws ProtocolException {
        HostPort address = LoginHandler.validSuperNodeAddress(request.getSuperNode());
        int limit = limit(request.getLimit(), MAX_ONLINE);
        SuperNodeQuery.Builder query = SuperNodeQuery.newBuilder()
                .setListOnline(ListOnline.newBuilder().setLimit(limit));
        return links.query(address, query).thenApply(r -> {
            // A super node is trusted to answer about itself, not to make the answer unbounded.
            OnlineList online = r.getOnline();
            OnlineList.Builder bounded = OnlineList.newBuilder().setTotal(online.getTotal());
            bounded.addAllUsernames(online.getUsernamesList().subList(0, Math.min(limit, online.getUsernamesCount())));
            return AdminResponse.newBuilder().setOnline(bounded);
        });
    }

    /** Tells every connected super node to drop {@code user}'s sessions; counts the sessions dropped. */
    private CompletableFuture<AdminResponse.Builder> dropEverywhere(String user, long revokedBeforeMs, String what) {
        List<SuperNodeLinks.Link> all = links.links();
        SuperNodeQuery.Builder query = SuperNodeQuery.newBuilder()
                .setDropUser(DropUser.newBuilder().setUsername(user).setRevokedBeforeMs(revokedBeforeMs));
        @SuppressWarnings("unchecked")
        CompletableFuture<Integer>[] answers = new CompletableFuture[all.size()];
        for (int i = 0; i < all.size(); i++) {
            answers[i] = links.query(all.get(i).channel(), query.clone())
                    .thenApply(SuperNodeQueryResult::getDropped).thenApply(d -> Math.min(d.getSessionsDropped(), 1))
                    .exceptionally(e -> 0); // gone or silent: its session ends at the next renewal
        }
        return CompletableFuture.allOf(answers).thenApply(v -> {
            int dropped = 0;
            for (CompletableFuture<Integer> a : answers) {
                dropped += a.join();
            }
            return done(what + "; " + all.size() + " super node(s) told, " + dropped + " session(s) dropped", dropped);
        });
    }

    private static AdminResponse.Builder done(String summary, int dropped) {
        return AdminResponse.newBuilder().setDone(AdminDone.newBuilder().setSummary(summary).setSessionsDropped(dropped));
    }

    private static int limit(int asked, int max) throws ProtocolException {
        if (asked < 0 || asked > max) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, String.format("limit: %d (expected: 0..%d)", asked, max));
        }
        return asked == 0 ? max : asked;
    }
}
