package dev.parley.protocol;

import dev.parley.protocol.wire.Envelope;
import dev.parley.protocol.wire.Error;
import dev.parley.protocol.wire.ErrorCode;
import dev.parley.protocol.wire.Ok;

/** Static factories for common {@link Envelope}s. */
public final class Envelopes {
    /** The protocol version this build speaks. */
    public static final int VERSION = 1;

    private Envelopes() {}

    /** @return a builder with the version and request id set */
    public static Envelope.Builder builder(long requestId) {
        return Envelope.newBuilder().setVersion(VERSION).setRequestId(requestId);
    }

    /** @return an error response to {@code requestId} */
    public static Envelope error(long requestId, ErrorCode code, String message) {
        return builder(requestId).setError(Error.newBuilder().setCode(code).setMessage(message)).build();
    }

    /** @return an error response carrying the code and message of {@code e} */
    public static Envelope error(long requestId, ProtocolException e) {
        return error(requestId, e.code(), e.getMessage());
    }

    /** @return an empty success response to {@code requestId} */
    public static Envelope ok(long requestId) {
        return builder(requestId).setOk(Ok.getDefaultInstance()).build();
    }
}
