package dev.starling.cli;

import dev.starling.dataplane.error.ErrorCode;
import dev.starling.dataplane.error.StarlingException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Registry host names as container runtimes write them in image references: {@code host[:port]} with a DNS name or
 * an IPv4 address, no scheme, no path ({@code docker.io}, {@code ghcr.io}, {@code 127.0.0.1:5000}). The runtime
 * config commands put these into file paths and TOML strings, so anything else is refused before a file is written.
 */
final class RegistryHost
{
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,5}");
    private static final int MAX_NAME_LENGTH = 253;

    private RegistryHost()
    {
    }

    /**
     * @param flag   the flag the values came from, for the message.
     * @param values the values, each already split at commas.
     * @return the hosts in the order given, without duplicates.
     * @throws StarlingException {@link ErrorCode#BAD_CONFIG} when a value is not {@code host[:port]}.
     */
    static List<String> parseList(final String flag, final List<String> values)
    {
        final Set<String> hosts = new LinkedHashSet<>();
        for (final String value : values)
        {
            hosts.add(parse(flag, value, false));
        }
        return new ArrayList<>(hosts);
    }

    /**
     * @param flag         the flag the value came from, for the message.
     * @param value        {@code host[:port]}.
     * @param portRequired true for an address to connect to (the mirror), false for a registry host.
     * @return the value, trimmed.
     * @throws StarlingException {@link ErrorCode#BAD_CONFIG} when the value is not {@code host[:port]}.
     */
    static String parse(final String flag, final String value, final boolean portRequired)
    {
        final String v = value.trim();
        final int colon = v.lastIndexOf(':');
        final String host = colon < 0 ? v : v.substring(0, colon);
        final String port = colon < 0 ? null : v.substring(colon + 1);
        final boolean portOk = port == null ? !portRequired : validPort(port);
        if (!validHost(host) || !portOk)
        {
            throw new StarlingException(ErrorCode.BAD_CONFIG, flag + " '" + value + "' is not " +
                (portRequired ? "HOST:PORT" : "a registry host") + ": give " +
                (portRequired ? "host:port, e.g. 127.0.0.1:65001" : "host or host:port without a scheme or path, " +
                "e.g. docker.io, ghcr.io or 127.0.0.1:5000"));
        }
        return v;
    }

    private static boolean validHost(final String host)
    {
        if (host.isEmpty() || host.length() > MAX_NAME_LENGTH)
        {
            return false;
        }
        final String[] labels = host.split("\\.", -1);
        boolean numeric = true;
        for (final String label : labels)
        {
            if (!LABEL.matcher(label).matches())
            {
                return false;
            }
            numeric &= label.chars().allMatch(Character::isDigit);
        }
        return !numeric || validIpv4(labels);
    }

    private static boolean validIpv4(final String[] labels)
    {
        if (labels.length != 4)
        {
            return false;
        }
        for (final String label : labels)
        {
            if (label.length() > 3 || Integer.parseInt(label) > 255)
            {
                return false;
            }
        }
        return true;
    }

    private static boolean validPort(final String port)
    {
        if (!DIGITS.matcher(port).matches())
        {
            return false;
        }
        final int p = Integer.parseInt(port);
        return p >= 1 && p <= 65535;
    }
}
