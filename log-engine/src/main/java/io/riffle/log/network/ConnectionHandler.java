package io.riffle.log.network;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: decodes request frames and hands them to the request handler pool
 * one at a time, in arrival order, writing each response before the next request starts — the
 * per-connection ordering Kafka clients rely on. A connection with too many queued requests
 * stops reading until the queue drains (back-pressure instead of unbounded memory).
 *
 * <p>Thread-safety: all state is touched on the channel's event loop only; handlers answer
 * from any thread and the answer is handed back to the event loop.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionHandler.class);
    private static final int MAX_QUEUED = 16;

    private final ApiDispatcher dispatcher;
    private final ApiVersionRanges versions;
    private final Executor handlerPool;
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean inFlight;
    private boolean closed;

    ConnectionHandler(ApiDispatcher dispatcher, ApiVersionRanges versions, Executor handlerPool) {
        this.dispatcher = dispatcher;
        this.versions = versions;
        this.handlerPool = handlerPool;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (closed) {
            frame.release();
            return;
        }
        queue.addLast(frame);
        if (queue.size() >= MAX_QUEUED) {
            ctx.channel().config().setAutoRead(false);
        }
        maybeStartNext();
    }

    private void maybeStartNext() {
        if (inFlight || closed || queue.isEmpty()) {
            return;
        }
        ByteBuf frame = queue.pollFirst();
        if (queue.size() < MAX_QUEUED / 2 && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
        inFlight = true;
        try {
            handlerPool.execute(() -> process(frame));
        } catch (RejectedExecutionException e) {
            frame.release();
            closeConnection();
        }
    }

    /** Runs on a handler thread. */
    private void process(ByteBuf frame) {
        ByteBuffer buffer = frame.nioBuffer();
        RequestHeader header;
        try {
            header = RequestHeader.parse(buffer);
        } catch (RuntimeException e) {
            frame.release();
            answerUnparseable(buffer, e);
            return;
        }
        Request request;
        try {
            request = new Request(header, parseBody(header, buffer), frame,
                    (InetSocketAddress) ctx.channel().remoteAddress(), (InetSocketAddress) ctx.channel().localAddress(),
                    System.nanoTime());
        } catch (UnsupportedVersion e) {
            frame.release();
            respondUnsupported(header, e.request);
            return;
        } catch (RuntimeException e) {
            frame.release();
            log.debug("Closing {}: malformed {} v{} request: {}", ctx.channel().remoteAddress(), header.apiKey(),
                    header.apiVersion(), e.toString());
            ctx.channel().eventLoop().execute(this::closeConnection);
            return;
        }
        try {
            dispatcher.dispatch(request, response -> complete(request, response));
        } catch (RuntimeException e) {
            log.error("Unexpected failure handling {}", request, e);
            complete(request, Response.of(request.<AbstractRequest>body().getErrorResponse(0, e).data()));
        }
    }

    /** A request for an API version we do not serve; carries the parsed body where the schema allowed parsing. */
    private static final class UnsupportedVersion extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient AbstractRequest request;

        UnsupportedVersion(AbstractRequest request) {
            super(null, null, false, false);
            this.request = request;
        }
    }

    private AbstractRequest parseBody(RequestHeader header, ByteBuffer buffer) {
        ApiKeys key = header.apiKey();
        short version = header.apiVersion();
        if (key == ApiKeys.API_VERSIONS && !versions.supports(key, version)) {
            // Answered as v0 with the supported ranges so the client can downgrade.
            return new ApiVersionsRequest(new ApiVersionsRequestData(), (short) 0);
        }
        if (!versions.supports(key, version)) {
            boolean inSchema = version >= key.messageType.lowestSupportedVersion()
                    && version <= key.messageType.highestSupportedVersion(true);
            throw new UnsupportedVersion(inSchema
                    ? AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(buffer)).request : null);
        }
        return AbstractRequest.parseRequest(key, version, new ByteBufferAccessor(buffer)).request;
    }

    /**
     * A known API at a version we do not serve: answered with that API's own UNSUPPORTED_VERSION
     * response where the version exists in its schema; otherwise the connection is closed, as Kafka does.
     */
    private void respondUnsupported(RequestHeader header, AbstractRequest parsed) {
        if (parsed == null) {
            log.debug("Closing {}: {} v{} is not a version of that API", ctx.channel().remoteAddress(),
                    header.apiKey(), header.apiVersion());
            ctx.channel().eventLoop().execute(this::closeConnection);
            return;
        }
        org.apache.kafka.common.protocol.ApiMessage body = parsed.getErrorResponse(0,
                new org.apache.kafka.common.errors.UnsupportedVersionException(header.apiKey() + " v"
                        + header.apiVersion() + " is not supported")).data();
        ctx.channel().eventLoop().execute(() -> {
            writeResponse(header, Response.of(body));
            inFlight = false;
            maybeStartNext();
        });
    }

    /** A header we could not parse: an unknown API key gets UNSUPPORTED_VERSION, anything else closes. */
    private void answerUnparseable(ByteBuffer buffer, RuntimeException e) {
        buffer.rewind();
        if (buffer.remaining() >= 8 && e instanceof InvalidRequestException) {
            short apiKey = buffer.getShort(0);
            int correlationId = buffer.getInt(4);
            if (!ApiKeys.hasId(apiKey)) {
                ctx.channel().eventLoop().execute(() -> {
                    ByteBuf out = ctx.alloc().ioBuffer(10);
                    out.writeInt(6).writeInt(correlationId).writeShort(Errors.UNSUPPORTED_VERSION.code());
                    ctx.writeAndFlush(out);
                    inFlight = false;
                    maybeStartNext();
                });
                return;
            }
        }
        log.debug("Closing {}: unreadable request header: {}", ctx.channel().remoteAddress(), e.toString());
        ctx.channel().eventLoop().execute(this::closeConnection);
    }

    /** Called once per request, from any thread. */
    private void complete(Request request, Response response) {
        if (ctx.channel().eventLoop().inEventLoop()) {
            onComplete(request, response);
        } else {
            ctx.channel().eventLoop().execute(() -> onComplete(request, response));
        }
    }

    private void onComplete(Request request, Response response) {
        try {
            switch (response.kind()) {
                case SEND -> writeResponse(request.header(), response);
                case CLOSE -> closeConnection();
                case NONE -> { }
            }
        } finally {
            request.release();
            inFlight = false;
            maybeStartNext();
        }
    }

    private void writeResponse(RequestHeader header, Response response) {
        if (closed || !ctx.channel().isActive()) {
            return;
        }
        ApiKeys key = header.apiKey();
        short version = response.versionOverride() >= 0 ? response.versionOverride() : header.apiVersion();
        if (key == ApiKeys.API_VERSIONS && !versions.supports(key, header.apiVersion())) {
            version = 0;
        }
        // ApiVersions responses always use header v0, whatever the version, so old clients can read them.
        short headerVersion = key == ApiKeys.API_VERSIONS ? 0 : key.responseHeaderVersion(version);
        try {
            ResponseWriter.write(ctx.channel(), header.correlationId(), headerVersion, response.body(), version,
                    ctx.channel().voidPromise());
            ctx.flush();
        } catch (RuntimeException e) {
            log.error("Could not serialize the {} v{} response; closing the connection", key, version, e);
            closeConnection();
        }
    }

    private void closeConnection() {
        if (!closed) {
            closed = true;
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        ByteBuf frame;
        while ((frame = queue.pollFirst()) != null) {
            frame.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            log.warn("Closing {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
        } else if (!(cause instanceof java.io.IOException)) {
            log.warn("Closing {} after an error", ctx.channel().remoteAddress(), cause);
        }
        closeConnection();
    }
}
