package kernel.core.hal;

/**
 * An interrupt handler. Runs on the interrupted vCPU's interrupt path with the vector in
 * service: it must not block; it acknowledges the device and wakes whoever waits.
 */
@FunctionalInterface
public interface IrqHandler {
    void handle(int vector);
}
