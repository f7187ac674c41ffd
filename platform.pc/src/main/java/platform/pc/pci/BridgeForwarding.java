package platform.pc.pci;

import java.util.Arrays;

/**
 * What a PCI-to-PCI bridge forwards, as programmed in its type-1 header at one moment
 * (PCI-to-PCI Bridge Architecture 1.2, 3.2.5.6-3.2.5.10 and 4.1-4.3): the memory addresses it
 * passes downstream (memory window and prefetchable window, both only while COMMAND.Memory
 * Space Enable is set), the I/O ports it passes downstream (I/O window, only while COMMAND.I/O
 * Space Enable is set), and whether it passes memory requests upstream (COMMAND.Bus Master
 * Enable: DMA and MSI of the devices below it). Immutable: a bridge publishes a new one when its
 * registers change and its secondary-side functions recompute their BAR decoding from it, so no
 * access ever consults the bridge.
 *
 * <p>{@link #ALL} is the host bridge: bus 0 sees every address and may always master.
 */
final class BridgeForwarding {
    /** Bus 0 behind the host bridge: every address decodes, bus mastering is not gated. */
    static final BridgeForwarding ALL = new BridgeForwarding(null, 0, 0xFFFF, true);
    /** A bridge with every window closed and every COMMAND bit clear. */
    static final BridgeForwarding NONE = new BridgeForwarding(new long[0], 1, 0, false);

    /** Memory ranges forwarded downstream: inclusive {start, end} pairs (unsigned), sorted, disjoint; null = all. */
    private final long[] memory;
    private final int ioStart; // inclusive; ioStart > ioEnd: nothing
    private final int ioEnd;
    final boolean busMaster;

    private BridgeForwarding(long[] memory, int ioStart, int ioEnd, boolean busMaster) {
        this.memory = memory;
        this.ioStart = ioStart;
        this.ioEnd = ioEnd;
        this.busMaster = busMaster;
    }

    /**
     * A bridge's forwarding. Each window is given as its first and last address; a window whose
     * base is above its limit (unsigned) is closed.
     */
    static BridgeForwarding of(int command, long memBase, long memLimit, long prefBase, long prefLimit,
            int ioBase, int ioLimit) {
        long[] mem = new long[0];
        if ((command & PciFunction.CMD_MEMORY_SPACE) != 0) {
            boolean m = Long.compareUnsigned(memBase, memLimit) <= 0;
            boolean p = Long.compareUnsigned(prefBase, prefLimit) <= 0;
            if (m && p) {
                long s1 = memBase, e1 = memLimit, s2 = prefBase, e2 = prefLimit;
                if (Long.compareUnsigned(s2, s1) < 0) {
                    s1 = prefBase;
                    e1 = prefLimit;
                    s2 = memBase;
                    e2 = memLimit;
                }
                // merge when they overlap or touch (e1 + 1 >= s2, without overflow)
                if (e1 == -1L || Long.compareUnsigned(e1 + 1, s2) >= 0) {
                    mem = new long[] {s1, Long.compareUnsigned(e1, e2) >= 0 ? e1 : e2};
                } else {
                    mem = new long[] {s1, e1, s2, e2};
                }
            } else if (m) {
                mem = new long[] {memBase, memLimit};
            } else if (p) {
                mem = new long[] {prefBase, prefLimit};
            }
        }
        boolean io = (command & PciFunction.CMD_IO_SPACE) != 0 && ioBase <= ioLimit;
        return new BridgeForwarding(mem, io ? ioBase : 1, io ? ioLimit : 0, (command & PciFunction.CMD_BUS_MASTER) != 0);
    }

    /**
     * The parts of the memory range {@code [base, base+size)} this bridge forwards, as
     * {start, length} pairs in address order; empty if none.
     */
    long[] memoryPieces(long base, long size) {
        if (memory == null) {
            return new long[] {base, size};
        }
        long last = base + size - 1;
        long[] out = new long[memory.length];
        int n = 0;
        for (int i = 0; i < memory.length; i += 2) {
            long s = Long.compareUnsigned(base, memory[i]) >= 0 ? base : memory[i];
            long e = Long.compareUnsigned(last, memory[i + 1]) <= 0 ? last : memory[i + 1];
            if (Long.compareUnsigned(s, e) <= 0) {
                out[n++] = s;
                out[n++] = e - s + 1;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** The part of the port range {@code [base, base+size)} this bridge forwards, as {start, count}; empty if none. */
    long[] ioPieces(long base, long size) {
        long s = Math.max(base, ioStart);
        long e = Math.min(base + size - 1, ioEnd);
        return s <= e ? new long[] {s, e - s + 1} : new long[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BridgeForwarding f && Arrays.equals(memory, f.memory) && ioStart == f.ioStart
                && ioEnd == f.ioEnd && busMaster == f.busMaster;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(memory) * 31 + ioStart * 7 + ioEnd + (busMaster ? 1 : 0);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("forwards memory ");
        if (memory == null) {
            sb.append("all");
        } else if (memory.length == 0) {
            sb.append("none");
        } else {
            for (int i = 0; i < memory.length; i += 2) {
                sb.append(i == 0 ? "" : ", ").append(String.format("%#x-%#x", memory[i], memory[i + 1]));
            }
        }
        sb.append(ioStart <= ioEnd ? String.format(", I/O %#x-%#x", ioStart, ioEnd) : ", no I/O");
        return sb.append(busMaster ? ", bus master" : ", no bus master").toString();
    }
}
