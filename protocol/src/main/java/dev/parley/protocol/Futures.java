package dev.parley.protocol;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Helpers for {@link CompletableFuture} failures. */
public final class Futures {
    private Futures() {}

    /**
     * @param e a failure as a future's callback or {@code get()} sees it
     * @return the cause wrapped by {@link CompletionException} or {@link ExecutionException}
     *     (repeatedly), else {@code e} itself
     */
    public static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
