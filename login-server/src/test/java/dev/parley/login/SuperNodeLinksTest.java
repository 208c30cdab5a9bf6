package dev.parley.login;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.HostPort;
import dev.parley.protocol.ProtocolException;
import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.ListOnline;
import dev.parley.protocol.wire.OnlineList;
import dev.parley.protocol.wire.SuperNodeCertificate;
import dev.parley.protocol.wire.SuperNodeHeartbeat;
import dev.parley.protocol.wire.SuperNodeQuery;
import dev.parley.protocol.wire.SuperNodeQueryResult;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class SuperNodeLinksTest {
    private static final HostPort NODE = new HostPort("127.0.0.1", 4000);

    @Test
    void onlyTheQueriedConnectionCanAnswer() throws Exception {
        SuperNodeLinks links = new SuperNodeLinks(10);
        EmbeddedChannel node = new EmbeddedChannel();
        EmbeddedChannel intruder = new EmbeddedChannel();
        links.heard(NODE, node, SuperNodeCertificate.getDefaultInstance(),
                SuperNodeHeartbeat.newBuilder().setRegisteredClients(3).build(), 1);
        assertThat(links.links()).singleElement().satisfies(l -> assertThat(l.load().getRegisteredClients()).isEqualTo(3));

        CompletableFuture<SuperNodeQueryResult> answer = links.query(NODE,
                SuperNodeQuery.newBuilder().setListOnline(ListOnline.getDefaultInstance()));
        Envelope sent = node.readOutbound();
        long id = sent.getSupernodeQuery().getQueryId();
        assertThat(sent.getRequestId()).as("a push").isZero();
        SuperNodeQueryResult forged = SuperNodeQueryResult.newBuilder().setQueryId(id)
                .setOnline(OnlineList.newBuilder().addUsernames("mallory").setTotal(1)).build();
        assertThat(links.answered(intruder, forged)).as("another connection answers").isFalse();
        assertThat(answer).isNotDone();
        SuperNodeQueryResult real = forged.toBuilder().setOnline(OnlineList.newBuilder().addUsernames("alice").setTotal(1))
                .build();
        assertThat(links.answered(node, real)).isTrue();
        assertThat(answer.get().getOnline().getUsernamesList()).containsExactly("alice");
        assertThat(links.answered(node, real)).as("answered once").isFalse();
    }

    @Test
    void aClosedLinkIsForgottenAndQueriesToItFail() {
        SuperNodeLinks links = new SuperNodeLinks(1);
        EmbeddedChannel node = new EmbeddedChannel();
        links.heard(NODE, node, SuperNodeCertificate.getDefaultInstance(), SuperNodeHeartbeat.getDefaultInstance(), 1);
        links.heard(new HostPort("127.0.0.1", 4001), new EmbeddedChannel(), SuperNodeCertificate.getDefaultInstance(),
                SuperNodeHeartbeat.getDefaultInstance(), 1);
        assertThat(links.links()).as("bounded: the second is not held").hasSize(1);
        node.close();
        assertThat(links.links()).isEmpty();
        CompletableFuture<SuperNodeQueryResult> f = links.query(NODE, SuperNodeQuery.newBuilder());
        assertThat(f).isCompletedExceptionally();
        try {
            f.get();
        } catch (InterruptedException | ExecutionException e) {
            assertThat(((ProtocolException) e.getCause()).code()).isEqualTo(ErrorCode.USER_OFFLINE);
        }
    }
}
