package dev.parley.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class FuturesTest {
    @Test
    void unwrapsNestedFutureWrappersToTheCause() {
        IOException cause = new IOException("boom");
        assertThat(Futures.unwrap(new ExecutionException(new CompletionException(cause)))).isSameAs(cause);
        assertThat(Futures.unwrap(new CompletionException(cause))).isSameAs(cause);
        assertThat(Futures.unwrap(cause)).isSameAs(cause);
        CompletionException empty = new CompletionException("no cause", null);
        assertThat(Futures.unwrap(empty)).isSameAs(empty);
    }
}
