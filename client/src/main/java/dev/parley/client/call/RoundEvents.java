package dev.parley.client.call;

import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The events of one {@link PathRound} of a call, ignored once the call ended or another round
 * replaced it; consent loss on an established path starts path recovery. On the engine's thread.
 */
final class RoundEvents implements PathRound.Events {
    private final CallSession call;
    private final PathRound round;
    private final Consumer<PathRound.Selected> onSelected;
    private final BiConsumer<EndReason, String> onFailed;

    RoundEvents(CallSession call, PathRound round, Consumer<PathRound.Selected> onSelected, BiConsumer<EndReason, String> onFailed) {
        this.call = call;
        this.round = round;
        this.onSelected = onSelected;
        this.onFailed = onFailed;
    }

    private boolean current() {
        return !call.ended() && call.round() == round;
    }

    @Override
    public void selected(PathRound.Selected selected) {
        if (current()) {
            onSelected.accept(selected);
        }
    }

    @Override
    public void failed(EndReason reason, String detail) {
        if (current()) {
            onFailed.accept(reason, detail);
        }
    }

    @Override
    public void consentLost() {
        if (current() && call.mediaStarted()) {
            call.recovery().pathLost("no consent");
        }
    }
}
