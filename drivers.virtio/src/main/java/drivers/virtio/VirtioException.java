package drivers.virtio;

import java.io.IOException;

/** A virtio device did not behave as the specification requires, or refused what we asked. */
public class VirtioException extends IOException {
    public VirtioException(String message) {
        super(message);
    }
}
