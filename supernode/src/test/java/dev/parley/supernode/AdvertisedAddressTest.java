package dev.parley.supernode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.parley.protocol.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a super node advertises (only literal addresses are used here: nothing is resolved or contacted). */
class AdvertisedAddressTest {
    private static final HostPort LOOPBACK_LOGIN = new HostPort("127.0.0.1", 7000);
    private static final HostPort LAN_LOGIN = new HostPort("192.0.2.1", 7000);

    private static InetAddress ip(String literal) throws IOException {
        return InetAddress.getByName(literal);
    }

    @Test
    void aConcreteListenAddressIsAdvertisedAsItIs() throws IOException {
        assertThat(AdvertisedAddress.choose(null, new HostPort("127.0.0.1", 7100), LOOPBACK_LOGIN, List.of()))
                .isEqualTo(new HostPort("127.0.0.1", 7100));
        assertThat(AdvertisedAddress.choose(null, new HostPort("192.0.2.10", 7100), LAN_LOGIN, List.of()))
                .isEqualTo(new HostPort("192.0.2.10", 7100));
    }

    @Test
    void anUnspecifiedListenAddressIsReplacedByAGuessOthersCanUse() throws IOException {
        HostPort any = new HostPort("0.0.0.0", 7100);
        assertThat(AdvertisedAddress.choose(null, any, LOOPBACK_LOGIN, List.of(ip("192.0.2.10"))))
                .as("login server on this host: loopback").isEqualTo(new HostPort("127.0.0.1", 7100));
        assertThat(AdvertisedAddress.choose(null, any, LAN_LOGIN, List.of(ip("127.0.0.1"), ip("fe80::1"), ip("192.0.2.10"))))
                .as("the first non-loopback, non-link-local IPv4").isEqualTo(new HostPort("192.0.2.10", 7100));
        assertThatThrownBy(() -> AdvertisedAddress.choose(null, any, LAN_LOGIN, List.of(ip("127.0.0.1"))))
                .hasMessageContaining("no address of this host to advertise").hasMessageContaining("--advertise");
    }

    @Test
    void addressesOthersCannotUseAreRefusedWithWhatToDo() {
        assertThatThrownBy(() -> AdvertisedAddress.choose(new HostPort("localhost", 7100), new HostPort("0.0.0.0", 7100),
                LOOPBACK_LOGIN, List.of())).hasMessageContaining("a host name (expected: an IP address");
        assertThatThrownBy(() -> AdvertisedAddress.choose(new HostPort("0.0.0.0", 7100), new HostPort("0.0.0.0", 7100),
                LOOPBACK_LOGIN, List.of())).hasMessageContaining("an unspecified address");
        assertThatThrownBy(() -> AdvertisedAddress.choose(new HostPort("127.0.0.1", 7100), new HostPort("0.0.0.0", 7100),
                LAN_LOGIN, List.of())).hasMessageContaining("loopback, but the login server 192.0.2.1:7000 is on another host");
        assertThatThrownBy(() -> AdvertisedAddress.choose(null, new HostPort("127.0.0.1", 7100), LAN_LOGIN, List.of()))
                .hasMessageContaining("--listen 127.0.0.1:7100: loopback");
    }

    @Test
    void aListenHostNameIsAdvertisedAsItsAddress() throws IOException {
        assertThat(AdvertisedAddress.choose(null, new HostPort("localhost", 7100), LOOPBACK_LOGIN, List.of()).host())
                .isEqualTo(InetAddress.getByName("localhost").getHostAddress());
    }
}
