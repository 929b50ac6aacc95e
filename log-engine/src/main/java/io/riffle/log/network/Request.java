package io.riffle.log.network;

import java.net.InetSocketAddress;

import io.netty.buffer.ByteBuf;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * One decoded request: its header, its typed body (parsed by kafka-clients' generated classes)
 * and the frame it was read from. Record sets in the body are views of the frame, so the frame
 * is released only when the request is finished ({@link #release()}).
 */
public final class Request {
    private final RequestHeader header;
    private final AbstractRequest body;
    private final ByteBuf frame;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress localAddress;
    private final long receivedNanos;

    Request(RequestHeader header, AbstractRequest body, ByteBuf frame, InetSocketAddress clientAddress,
            InetSocketAddress localAddress, long receivedNanos) {
        this.header = header;
        this.body = body;
        this.frame = frame;
        this.clientAddress = clientAddress;
        this.localAddress = localAddress;
        this.receivedNanos = receivedNanos;
    }

    /** The broker address this client connected to. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    public RequestHeader header() {
        return header;
    }

    public ApiKeys apiKey() {
        return header.apiKey();
    }

    public short version() {
        return header.apiVersion();
    }

    @SuppressWarnings("unchecked")
    public <T extends AbstractRequest> T body() {
        return (T) body;
    }

    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    public long receivedNanos() {
        return receivedNanos;
    }

    public String clientId() {
        return header.clientId();
    }

    void release() {
        if (frame.refCnt() > 0) {
            frame.release();
        }
    }

    @Override
    public String toString() {
        return header.apiKey() + " v" + header.apiVersion() + " from " + header.clientId();
    }
}
