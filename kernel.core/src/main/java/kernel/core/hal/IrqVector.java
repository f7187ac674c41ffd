package kernel.core.hal;

/**
 * An allocated interrupt vector with its handler installed. For MSI and MSI-X, program the
 * device with {@link #msiAddress()} and {@link #msiData()}. {@link #close()} removes the
 * handler and frees the vector.
 */
public interface IrqVector extends AutoCloseable {
    int vector();

    /** The CPU whose local APIC receives this vector. */
    int cpu();

    /** MSI message address that targets {@link #cpu()} (0xFEE00000 | apic-id &lt;&lt; 12). */
    long msiAddress();

    /** MSI message data: the vector, edge-triggered, fixed delivery. */
    int msiData();

    /** Number of times the handler has run. */
    long count();

    @Override
    void close();
}
