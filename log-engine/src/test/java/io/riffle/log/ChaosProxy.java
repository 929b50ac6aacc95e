package io.riffle.log;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy that forwards bytes to a target and, while {@link #dropConnections} is
 * on, resets each connection after a seeded random number of bytes, so requests and responses
 * are cut off mid-stream. It listens before it knows its target, so a broker can be started
 * advertising the proxy's port, and the target set afterwards.
 *
 * <p>Thread-safety: one accept thread and two pump threads per connection; the target and the
 * switch are volatile; {@link #close()} closes every socket and joins every thread.
 */
final class ChaosProxy implements AutoCloseable {
    private final ServerSocket server;
    private final Random random;
    private final int minBytes;
    private final int maxBytes;
    private final List<Socket> sockets = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger drops = new AtomicInteger();
    private final Thread acceptor;
    private volatile InetSocketAddress target;
    private volatile boolean dropConnections = true;
    private volatile boolean closed;

    /** Listens on an ephemeral loopback port; connections are cut after {@code [minBytes, maxBytes)} bytes. */
    ChaosProxy(long seed, int minBytes, int maxBytes) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.random = new Random(seed);
        this.minBytes = minBytes;
        this.maxBytes = maxBytes;
        this.acceptor = new Thread(this::acceptLoop, "chaos-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void forwardTo(InetSocketAddress address) {
        this.target = address;
    }

    /** Stops cutting connections (existing and new ones forward everything from now on). */
    void stopDropping() {
        dropConnections = false;
    }

    /** How many connections the proxy has cut. */
    int drops() {
        return drops.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                InetSocketAddress to = target;
                if (to == null) {
                    client.close(); // not ready yet: the client retries
                    continue;
                }
                Socket upstream = new Socket(to.getAddress(), to.getPort());
                int budget;
                synchronized (random) {
                    budget = minBytes + random.nextInt(maxBytes - minBytes);
                }
                Connection connection = new Connection(client, upstream, new AtomicInteger(budget));
                synchronized (this) {
                    if (closed) {
                        connection.reset();
                        return;
                    }
                    sockets.add(client);
                    sockets.add(upstream);
                    threads.add(connection.pump(client, upstream, "up"));
                    threads.add(connection.pump(upstream, client, "down"));
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** One proxied connection; both directions draw from one byte budget. */
    private final class Connection {
        private final Socket client;
        private final Socket upstream;
        private final AtomicInteger budget;

        Connection(Socket client, Socket upstream, AtomicInteger budget) {
            this.client = client;
            this.upstream = upstream;
            this.budget = budget;
        }

        Thread pump(Socket from, Socket to, String direction) {
            Thread t = new Thread(() -> copy(from, to), "chaos-proxy-" + direction + "-" + from.getPort());
            t.setDaemon(true);
            t.start();
            return t;
        }

        private void copy(Socket from, Socket to) {
            byte[] buffer = new byte[8192];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (dropConnections) {
                        int left = budget.addAndGet(-n);
                        if (left < 0) {
                            // Forward only part of this chunk, then cut: the peer sees a torn frame.
                            out.write(buffer, 0, Math.max(0, n + left) / 2);
                            out.flush();
                            drops.incrementAndGet();
                            reset();
                            return;
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the other direction reset the connection, or the peer closed it
            } finally {
                reset();
            }
        }

        /** Closes both sides with RST (SO_LINGER 0), as a dropped connection looks. */
        void reset() {
            for (Socket s : new Socket[] {client, upstream}) {
                try {
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (IOException e) {
                    // already closed
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing a listening socket does not fail in a way that matters here
        }
        acceptor.join(10_000);
        List<Thread> toJoin;
        synchronized (this) {
            for (Socket s : sockets) {
                try {
                    s.close();
                } catch (IOException e) {
                    // already closed
                }
            }
            toJoin = new ArrayList<>(threads);
        }
        for (Thread t : toJoin) {
            t.join(10_000);
        }
    }
}
