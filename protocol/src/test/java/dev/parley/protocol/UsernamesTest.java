package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UsernamesTest {
    @Test
    void canonicalFormIsLowerCase() throws Exception {
        assertThat(Usernames.canonical("Alice.B_2-x")).isEqualTo("alice.b_2-x");
        assertThat(Usernames.canonical("abc")).isEqualTo("abc");
        assertThat(Usernames.canonical("a".repeat(32))).hasSize(32);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "ab", "_abc", ".abc", "al ice", "alice!", "émile", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
    void rejectsInvalidNames(String name) {
        assertThatThrownBy(() -> Usernames.canonical(name)).isInstanceOf(ProtocolException.class)
                .hasMessageStartingWith("username:");
    }

    @Test
    void hostPortParsesAndRejects() {
        assertThat(HostPort.parse("127.0.0.1:7000")).isEqualTo(new HostPort("127.0.0.1", 7000));
        assertThat(HostPort.parse("[::1]:5")).isEqualTo(new HostPort("::1", 5));
        assertThat(new HostPort("::1", 5).toString()).isEqualTo("[::1]:5");
        for (String bad : new String[] {"nohost", ":1", "h:", "h:x", "h:70000"}) {
            assertThatThrownBy(() -> HostPort.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
