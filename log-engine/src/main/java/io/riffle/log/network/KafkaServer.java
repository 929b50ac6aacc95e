package io.riffle.log.network;

import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka protocol listener: netty event loops read and write sockets (native epoll where
 * available), a fixed pool of request handler threads does the work. Frames larger than
 * {@code socket.request.max.bytes} close their connection and nothing else.
 *
 * <p>Thread-safety: start and close from one thread; everything else is netty's.
 */
public final class KafkaServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final ExecutorService handlerPool;
    private final Channel serverChannel;

    private KafkaServer(EventLoopGroup boss, EventLoopGroup workers, ExecutorService handlerPool, Channel serverChannel) {
        this.bossGroup = boss;
        this.workerGroup = workers;
        this.handlerPool = handlerPool;
        this.serverChannel = serverChannel;
    }

    /**
     * Binds and starts serving.
     *
     * @param host interface to bind; empty or null for all
     * @param port 0 picks a free port (see {@link #boundPort()})
     */
    public static KafkaServer start(String host, int port, int networkThreads, int ioThreads, int maxFrameBytes,
                                    ApiDispatcher dispatcher, ApiVersionRanges versions) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory ioFactory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, namedThreads("riffle-kafka-acceptor"), ioFactory);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(networkThreads, namedThreads("riffle-kafka-network"), ioFactory);
        AtomicInteger handlerIds = new AtomicInteger();
        ExecutorService pool = new ThreadPoolExecutor(ioThreads, ioThreads, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "riffle-request-handler-" + handlerIds.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("frames", new LengthFieldBasedFrameDecoder(maxFrameBytes + 4, 0, 4, 0, 4, true))
                                .addLast("requests", new ConnectionHandler(dispatcher, versions, pool));
                    }
                });
        InetSocketAddress address = host == null || host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        try {
            Channel channel = bootstrap.bind(address).sync().channel();
            log.debug("Kafka listener bound to {} ({} transport)", channel.localAddress(), epoll ? "epoll" : "nio");
            return new KafkaServer(boss, workers, pool, channel);
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            pool.shutdownNow();
            throw e;
        }
    }

    private static java.util.concurrent.ThreadFactory namedThreads(String prefix) {
        AtomicInteger ids = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public int boundPort() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public InetSocketAddress boundAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Stops accepting, closes connections, then stops the handler pool. Idempotent. */
    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        handlerPool.shutdown();
        try {
            if (!handlerPool.awaitTermination(5, TimeUnit.SECONDS)) {
                handlerPool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handlerPool.shutdownNow();
        }
    }
}
