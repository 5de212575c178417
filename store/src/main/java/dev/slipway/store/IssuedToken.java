package dev.slipway.store;

/** A freshly created token with its secret, which exists only in this value and is shown to the user once. */
public record IssuedToken(TokenRecord token, String secret) {

    @Override
    public String toString() {
        return "IssuedToken[" + token + ", secret=(hidden)]";
    }
}
