package io.riffle.processor;

/** An instance's {@code application.server}: where its interactive queries are served. */
public record HostInfo(String host, int port) {
    /** Parses {@code host:port}; the message names the config key when it is malformed. */
    public static HostInfo parse(String hostAndPort) {
        int colon = hostAndPort.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new NumberFormatException();
            }
            int port = Integer.parseInt(hostAndPort.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new HostInfo(hostAndPort.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("application.server must be host:port with a port 0-65535, was '" + hostAndPort + "'");
        }
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
