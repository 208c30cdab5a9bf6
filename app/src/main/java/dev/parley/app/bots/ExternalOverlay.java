package dev.parley.app.bots;

import dev.parley.protocol.HostPort;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * An overlay someone else runs ({@code parley bots --login HOST:PORT}): its login server, and the
 * super nodes its login answers named (up to 7 per login; the union over every bot's login). Its
 * super nodes' counters and memory are not visible from here, so the report leaves them out.
 */
final class ExternalOverlay implements Overlay {
    /**
     * How long {@link #meshRound()} waits for the bots' registrations to reach every digest: a
     * super node pushes its digest at most once a second ({@code MeshSettings.DEFAULTS}), so two
     * pushes' worth.
     */
    static final long DIGEST_SETTLE_MS = 2_000;

    private final HostPort login;
    private final Supplier<? extends Collection<HostPort>> superNodes;

    /**
     * @param login the overlay's login server
     * @param superNodes the super nodes learned from logins so far (read after the bots logged in)
     */
    ExternalOverlay(HostPort login, Supplier<? extends Collection<HostPort>> superNodes) {
        this.login = login;
        this.superNodes = superNodes;
    }

    @Override
    public HostPort login() {
        return login;
    }

    /** @throws IllegalStateException if no login named a super node (none live in that overlay) */
    @Override
    public List<HostPort> superNodes() {
        List<HostPort> known = new ArrayList<>(superNodes.get());
        if (known.isEmpty()) {
            throw new IllegalStateException("the login server at " + login + " named no live super node");
        }
        known.sort(Comparator.comparing(HostPort::toString)); // stable order: the seed picks the same ones
        return known;
    }

    /** Its mesh runs its own rounds; this waits for the registrations' digest pushes instead. */
    @Override
    public void meshRound() throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(DIGEST_SETTLE_MS); // a fixed settle time of a remote overlay, not a wait for an event here
    }

    @Override
    public Map<String, Object> stats() {
        return Map.of();
    }

    @Override
    public String memoryScope() {
        return "not measured: the super nodes run elsewhere";
    }

    @Override
    public void close() {
        // nothing of ours to stop
    }
}
