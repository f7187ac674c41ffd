package platform.devices.virtio;

/**
 * The driver broke the virtio protocol (a malformed descriptor chain or request). The
 * transport answers by setting DEVICE_NEEDS_RESET and sending a configuration-change
 * interrupt; the message is kept in {@link VirtioPciFunction#lastError()}.
 */
public final class VirtioException extends Exception {
    public VirtioException(String message) {
        super(message, null, false, false);
    }
}
