package platform.cpu.diff;

import java.util.Random;

/** Helpers that put operand values into a state and pick memory operands inside DATA. */
public final class Operands {
    private Operands() {}

    /**
     * Sets register {@code r} (for size 1, 16..19 are AH..BH) to hold {@code v} at
     * {@code size} bytes, keeping the state's other bits of the full register.
     */
    public static void set(MachineState s, int r, int size, long v) {
        if (size == 1 && r >= 16) {
            int f = r - 16;
            s.gpr[f] = (s.gpr[f] & ~0xFF00L) | (v & 0xFF) << 8;
        } else if (size == 8) {
            s.gpr[r] = v;
        } else {
            long m = (1L << (size * 8)) - 1;
            s.gpr[r] = (s.gpr[r] & ~m) | (v & m);
        }
    }

    /** A base register for a memory operand that is none of {@code used} (full numbers), not RSP; REX-free if {@code noRex}. */
    public static int base(Random rnd, boolean noRex, int... used) {
        for (;;) {
            int b = rnd.nextInt(noRex ? 8 : 16);
            if (b == 4) {
                continue;
            }
            boolean clash = false;
            for (int u : used) {
                clash |= Regs.full(u) == b;
            }
            if (!clash) {
                return b;
            }
        }
    }

    /**
     * A data offset for a {@code size}-byte operand in the default 8 KiB data: mostly random,
     * sometimes at the page boundary (crossing it), sometimes aligned.
     */
    public static int offset(Random rnd, int size) {
        return switch (rnd.nextInt(4)) {
            case 0 -> 4096 - 1 - rnd.nextInt(Math.max(1, size - 1)); // crosses from page 0 into page 1
            case 1 -> rnd.nextInt(8192 / 8 - 1) * 8;
            default -> rnd.nextInt(8192 - size);
        };
    }
}
