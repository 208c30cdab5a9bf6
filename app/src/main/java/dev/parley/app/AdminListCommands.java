package dev.parley.app;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.tls.KeyVerifier;
import dev.parley.protocol.wire.AccountInfo;
import dev.parley.protocol.wire.AccountList;
import dev.parley.protocol.wire.AdminCommand;
import dev.parley.protocol.wire.ListAccounts;
import dev.parley.protocol.wire.ListOnline;
import dev.parley.protocol.wire.ListSuperNodes;
import dev.parley.protocol.wire.OnlineList;
import dev.parley.protocol.wire.SuperNodeInfo;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The listing commands of {@code parley admin}: accounts, super nodes, who is online. */
final class AdminListCommands {
    private AdminListCommands() {}

    /** @return epoch ms as an ISO instant, or "-" for 0 (never) */
    static String time(long epochMs) {
        return epochMs == 0 ? "-" : Instant.ofEpochMilli(epochMs).toString();
    }

    /** {@code parley admin accounts}. */
    @Command(name = "accounts", mixinStandardHelpOptions = true,
            description = {"Lists accounts in name order: name, created, disabled, last password login.",
                    "Without --limit, pages through all of them."})
    static final class Accounts implements Callable<Integer> {
        @Mixin
        AdminOptions admin = new AdminOptions();

        @Spec
        CommandSpec spec;

        @Option(names = "--after", paramLabel = "NAME", defaultValue = "",
                description = "Start after this (canonical) name.")
        String after;

        @Option(names = "--limit", paramLabel = "N", description = "List at most N accounts (1..1000).")
        @Nullable Integer limit;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-32s %-24s %-8s %s%n", "USERNAME", "CREATED", "DISABLED", "LAST LOGIN");
            try (AdminClient client = admin.connect()) {
                String from = after;
                long shown = 0;
                AccountList page;
                do {
                    page = client.call(AdminCommand.newBuilder().setListAccounts(ListAccounts.newBuilder().setAfter(from)
                            .setLimit(limit == null ? 0 : limit)).build()).getAccounts();
                    for (AccountInfo a : page.getAccountsList()) {
                        out.printf("%-32s %-24s %-8s %s%n", a.getUsername(), time(a.getCreatedAtMs()),
                                a.getDisabled() ? "yes" : "no", time(a.getLastLoginMs()));
                        from = a.getUsername();
                        shown++;
                    }
                } while (limit == null && page.getMore() && page.getAccountsCount() > 0);
                out.flush();
                System.err.println(shown + " of " + page.getTotal() + " account(s)" + (page.getMore() ? "; more after "
                        + from + " (--after " + from + ")" : ""));
            }
            return 0;
        }
    }

    /** {@code parley admin supernodes}. */
    @Command(name = "supernodes", mixinStandardHelpOptions = true,
            description = {"Lists the super nodes connected to the login server with the load of their last heartbeat: "
                    + "address, key fingerprint, certificate expiry, last heartbeat, registered clients, live peers, "
                    + "relay allocations, and the upload (kbit/s) the login server measured when it promoted a client "
                    + "('-' for a dedicated super node, never measured)."})
    static final class SuperNodes implements Callable<Integer> {
        @Mixin
        AdminOptions admin = new AdminOptions();

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (AdminClient client = admin.connect()) {
                var list = client.call(AdminCommand.newBuilder().setListSuperNodes(ListSuperNodes.getDefaultInstance())
                        .build()).getSuperNodes();
                out.printf("%-28s %-40s %-24s %-24s %7s %5s %6s %11s%n", "ADDRESS", "FINGERPRINT", "CERT EXPIRES",
                        "LAST HEARTBEAT", "CLIENTS", "PEERS", "RELAYS", "UPLOAD KBPS");
                for (SuperNodeInfo s : list.getSuperNodesList()) {
                    out.printf("%-28s %-40s %-24s %-24s %7d %5d %6d %11s%n",
                            s.getAddress().getHost() + ":" + s.getAddress().getPort(),
                            KeyVerifier.fingerprint(s.getNodeKey().toByteArray()), time(s.getCertificateExpiresAtMs()),
                            time(s.getLastHeartbeatMs()), s.getRegisteredClients(), s.getLivePeers(),
                            s.getRelayAllocations(), s.hasUploadKbps() ? Integer.toUnsignedString(s.getUploadKbps()) : "-");
                }
                out.flush();
                System.err.println(list.getSuperNodesCount() + " super node(s) connected to " + admin.login);
            }
            return 0;
        }
    }

    /** {@code parley admin online}. */
    @Command(name = "online", mixinStandardHelpOptions = true,
            description = {"Lists the users registered on one super node (asked over its login link), one per line; "
                    + "the total goes to standard error."})
    static final class Online implements Callable<Integer> {
        @Mixin
        AdminOptions admin = new AdminOptions();

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "SUPERNODE", converter = HostPortConverter.class,
                description = "The super node's address, as `parley admin supernodes` lists it.")
        HostPort superNode;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
                description = "List at most N names (1..1000; default: ${DEFAULT-VALUE}).")
        int limit;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            try (AdminClient client = admin.connect()) {
                OnlineList online = client.call(AdminCommand.newBuilder().setListOnline(ListOnline.newBuilder()
                        .setSuperNode(superNode.toAddress()).setLimit(limit)).build()).getOnline();
                online.getUsernamesList().forEach(out::println);
                out.flush();
                System.err.println(online.getTotal() + " user(s) online on " + superNode
                        + (online.getTotal() > online.getUsernamesCount() ? " (" + online.getUsernamesCount() + " listed)" : ""));
            }
            return 0;
        }
    }
}
