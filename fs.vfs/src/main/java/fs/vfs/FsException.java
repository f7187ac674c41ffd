package fs.vfs;

import java.io.IOException;

/** A filesystem-level error with a message meant for the user: corrupt structures, not found, not a directory. */
public class FsException extends IOException {
    public FsException(String message) {
        super(message);
    }

    public FsException(String message, Throwable cause) {
        super(message, cause);
    }
}
