package dev.slipway.cli;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Whether plain http to a server's host keeps the bearer token on this machine. Decided by the addresses the name
 * resolves to, never by how the name looks: {@code 127.evil.example} is an ordinary DNS name anyone can point
 * anywhere.
 */
sealed interface LoopbackHost {

    /** Resolves a host name to its addresses, as the JDK does; tests give another. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;

        Resolver SYSTEM = InetAddress::getAllByName;
    }

    /**
     * The host is this machine; connect to {@code connectTo}, the host as written when it is a literal, else the
     * loopback address it was found to resolve to (so a second DNS answer cannot send the request elsewhere).
     */
    record Loopback(String connectTo) implements LoopbackHost {}

    /** The host is, or may be, another machine; {@code why} says what it resolved to. */
    record Elsewhere(String why) implements LoopbackHost {}

    /**
     * Checks {@code host} as {@link java.net.URI#getHost()} gives it (IPv6 literals in brackets): the literals
     * {@code localhost} and {@code ::1} are loopback as written; anything else only when every address it
     * resolves to is a loopback address.
     */
    static LoopbackHost check(String host, Resolver resolver) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.equals("localhost")) {
            return new Loopback(host);
        }
        if (name.equals("[::1]") || name.equals("::1")) {
            return new Loopback("[::1]");
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            return new Elsewhere(host + " does not resolve here, so it cannot be known to be this machine");
        } catch (SecurityException e) {
            return new Elsewhere(host + " cannot be resolved here: " + e.getMessage());
        }
        if (addresses == null || addresses.length == 0) {
            return new Elsewhere(host + " resolves to no address");
        }
        List<String> elsewhere = Arrays.stream(addresses)
                .filter(a -> !a.isLoopbackAddress())
                .map(InetAddress::getHostAddress)
                .toList();
        if (!elsewhere.isEmpty()) {
            return new Elsewhere(host + " resolves to " + String.join(", ", elsewhere) + ", not only to loopback");
        }
        InetAddress first = addresses[0];
        return new Loopback(
                first instanceof Inet6Address ? "[" + first.getHostAddress() + "]" : first.getHostAddress());
    }
}
