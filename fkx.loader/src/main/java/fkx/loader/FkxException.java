package fkx.loader;

/** A module operation that was refused or failed; the message is meant for the user. */
public class FkxException extends Exception {
    public FkxException(String message) {
        super(message);
    }

    public FkxException(String message, Throwable cause) {
        super(message, cause);
    }
}
