package io.riffle.log;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * A bare Kafka protocol connection for tests: sends one request built with kafka-clients'
 * request builders at a chosen version and parses the response with kafka-clients, with no
 * client-side logic (retries, metadata, validation) in between. For requests the official
 * clients do not expose (OffsetForLeaderEpoch, legacy AlterConfigs) or shape differently
 * (duplicate resources, specific versions).
 *
 * <p>Not thread-safe: one request at a time.
 */
public final class KafkaWire implements AutoCloseable {
    private final Socket socket;
    private final DataOutputStream out;
    private final DataInputStream in;
    private int correlationId;

    private KafkaWire(Socket socket) throws IOException {
        this.socket = socket;
        this.out = new DataOutputStream(socket.getOutputStream());
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Connects to host:port (a bootstrap address). */
    public static KafkaWire connect(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                10_000);
        socket.setSoTimeout(30_000);
        return new KafkaWire(socket);
    }

    /** Sends the request at the builder's latest version and waits for its response. */
    public <R extends AbstractResponse> R send(AbstractRequest.Builder<?> builder) throws IOException {
        return send(builder, builder.latestAllowedVersion());
    }

    /** Sends the request at this version and waits for its response. */
    @SuppressWarnings("unchecked")
    public <R extends AbstractResponse> R send(AbstractRequest.Builder<?> builder, short version) throws IOException {
        AbstractRequest request = builder.build(version);
        RequestHeader header = new RequestHeader(request.apiKey(), version, "kafka-wire-test", ++correlationId);
        ByteBuffer frame = request.serializeWithHeader(header);
        byte[] bytes = new byte[frame.remaining()];
        frame.get(bytes);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
        byte[] response = new byte[in.readInt()];
        in.readFully(response);
        return (R) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
