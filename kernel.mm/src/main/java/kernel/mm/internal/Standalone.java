package kernel.mm.internal;

import kernel.core.hal.Hal;
import kernel.mm.DmaAllocator;

/** Memory management outside the framework: see {@link DmaAllocator#forMachine}. */
public final class Standalone {
    private Standalone() {}

    /** A DMA allocator over all usable RAM of {@code hal}'s machine, owned by {@code owner}. */
    public static DmaAllocator dma(Hal hal, String owner) {
        return new ModuleDma(new BuddyAllocator(hal.bootInfo().memoryMap()), hal.memory(), owner);
    }
}
