package kernel.mm.internal.vm;

import kernel.core.hal.MachineHal;
import kernel.mm.internal.BuddyAllocator;
import platform.pc.Machine;

/**
 * The fixture of the virtual-memory tests: a 64 MiB machine with {@code cpus} vCPUs started
 * through the HAL, the buddy allocator over its memory map (with per-CPU caches when there
 * is more than one vCPU) and the virtual memory manager. Closing it powers everything off.
 */
record VmMachine(Machine machine, MachineHal hal, BuddyAllocator pages, VirtualMemoryImpl vm) implements AutoCloseable {
    static VmMachine boot(int cpus) {
        Machine m = Machine.builder().memory(64L << 20).cpus(cpus).build().powerOn();
        MachineHal hal = new MachineHal(m);
        hal.start();
        BuddyAllocator pages = cpus == 1 ? new BuddyAllocator(m.bootInfo().memoryMap())
                : new BuddyAllocator(m.bootInfo().memoryMap(), cpus, hal::currentCpu);
        return new VmMachine(m, hal, pages, new VirtualMemoryImpl(hal, pages));
    }

    @Override
    public void close() {
        try {
            vm.close();
        } finally {
            hal.stop();
            machine.close();
        }
    }
}
