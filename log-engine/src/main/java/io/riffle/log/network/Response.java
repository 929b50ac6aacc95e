package io.riffle.log.network;

import org.apache.kafka.common.protocol.ApiMessage;

/**
 * What a handler answers: a response body to serialize at the request's version, or nothing
 * (a produce with acks=0 gets no response), or "close the connection".
 */
public record Response(ApiMessage body, Kind kind, short versionOverride) {
    public enum Kind { SEND, NONE, CLOSE }

    private static final Response NONE = new Response(null, Kind.NONE, (short) -1);
    private static final Response CLOSE = new Response(null, Kind.CLOSE, (short) -1);

    public static Response of(ApiMessage body) {
        return new Response(body, Kind.SEND, (short) -1);
    }

    /** A body serialized at another version than the request's (an ApiVersions v0 fallback). */
    public static Response ofVersion(ApiMessage body, short version) {
        return new Response(body, Kind.SEND, version);
    }

    public static Response none() {
        return NONE;
    }

    public static Response close() {
        return CLOSE;
    }
}
