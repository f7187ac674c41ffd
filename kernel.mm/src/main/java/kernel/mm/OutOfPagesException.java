package kernel.mm;

/** No free run of physical pages large enough for the request. */
public class OutOfPagesException extends RuntimeException {
    public OutOfPagesException(String message) {
        super(message);
    }
}
