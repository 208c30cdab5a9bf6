package dev.parley.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.parley.protocol.tls.Tls;
import java.security.Security;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TlsHandshakeBenchTest {
    @Test
    void measuresBothProvidersAndPutsParleysBackFirst() throws Exception {
        Map<String, Object> r = TlsHandshakeBench.run(20);
        for (String p : new String[] {"bouncycastle", "jdk"}) {
            assertThat(((Number) r.get(p + "_client_cpu_us")).doubleValue()).as(p).isPositive();
            assertThat(((Number) r.get(p + "_server_cpu_us")).doubleValue()).as(p).isPositive();
        }
        assertThat(Security.getProviders()[0].getName()).as("restored after the JDK's run")
                .isEqualTo(Tls.HANDSHAKE_PROVIDER);
        assertThat(TlsHandshakeBench.table(r)).contains("P-256 signatures, X25519")
                .contains("bouncycastle (Parley's HandshakeProvider)").contains("jdk (JDK's providers)");
    }
}
