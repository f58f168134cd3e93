package dev.starling.cli;

import java.nio.file.Path;

/**
 * The daemon's local control endpoint, which {@code starling get} uses when a daemon owns the data dir: a Unix
 * domain socket at {@code <data dir>/control.sock} (mode 0600), one request per connection, newline-delimited
 * JSON. Specified in {@code docs/control-endpoint.md}.
 */
final class ControlProtocol
{
    /** Name of the socket file in the data dir. */
    static final String SOCKET_NAME = "control.sock";
    /** Protocol version, sent in every request and checked by the daemon. */
    static final int VERSION = 1;

    private ControlProtocol()
    {
    }

    static Path socketPath(final Path dataDir)
    {
        return dataDir.resolve(SOCKET_NAME);
    }
}
