package io.riffle.log;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A raw Kafka protocol connection for tests that must send exactly the bytes they choose:
 * requests serialized by kafka-clients at a chosen version, or arbitrary (malformed) frames.
 * Not thread-safe.
 */
public final class KafkaWire implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int correlationId;

    public KafkaWire(String bootstrap) throws IOException {
        String host = bootstrap.substring(0, bootstrap.lastIndexOf(':'));
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setSoTimeout(10_000);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    public static KafkaWire connect(String bootstrap) throws IOException {
        return new KafkaWire(bootstrap);
    }

    /** Sends a request at the builder's latest version; returns the parsed response. */
    public <R extends AbstractResponse> R send(AbstractRequest.Builder<?> builder) throws IOException {
        return send(builder, builder.latestAllowedVersion());
    }

    /** Sends a request at the given version; returns the parsed response. */
    @SuppressWarnings("unchecked")
    public <R extends AbstractResponse> R send(AbstractRequest.Builder<?> builder, short version) throws IOException {
        AbstractRequest request = builder.build(version);
        RequestHeader header = new RequestHeader(request.apiKey(), version, "kafka-wire-test", ++correlationId);
        ByteBuffer bytes = request.serializeWithHeader(header);
        sendFrame(bytes);
        ByteBuffer response = readFrame();
        return (R) AbstractResponse.parseResponse(response, header);
    }

    /** Sends one frame: a 4-byte size then the payload. */
    public void sendFrame(ByteBuffer payload) throws IOException {
        byte[] body = new byte[payload.remaining()];
        payload.duplicate().get(body);
        sendRaw(ByteBuffer.allocate(4).putInt(body.length).array());
        sendRaw(body);
    }

    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads one response frame (without its size prefix). */
    public ByteBuffer readFrame() throws IOException {
        int size = in.readInt();
        byte[] body = new byte[size];
        in.readFully(body);
        return ByteBuffer.wrap(body);
    }

    /** Sends a header for any API key and version with an empty body, and returns the response frame. */
    public ByteBuffer sendHeaderOnly(short apiKey, short version, int correlation) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(2 + 2 + 4 + 2 + 1);
        frame.putShort(apiKey).putShort(version).putInt(correlation).putShort((short) -1).put((byte) 0);
        frame.flip();
        sendFrame(frame);
        return readFrame();
    }

    /** Whether the broker closes this connection within the time limit (reads end of stream). */
    public boolean closedByBroker(int timeoutMs) throws IOException {
        socket.setSoTimeout(timeoutMs);
        try {
            return in.read() < 0;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }


    @Override
    public void close() throws IOException {
        socket.close();
    }
}
