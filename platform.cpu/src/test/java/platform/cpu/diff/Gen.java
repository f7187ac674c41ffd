package platform.cpu.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Random operands and machine states for differential tests, reproducible from a seed:
 * about half of the values are edge cases (0, 1, -1, sign bit, sign bit +-1, maximum,
 * single bits, alternating patterns, small counts), the rest uniform. Values of a size
 * below 64 bits come with random upper bits ({@link #bits}) so a test also checks that an
 * instruction keeps or clears the rest of the register as the architecture says.
 */
public final class Gen {
    public final Random rnd;

    public Gen(long seed) {
        rnd = new Random(seed);
    }

    /** Edge values for an operand of {@code size} bytes, zero-extended. */
    public static long[] edges(int size) {
        int bits = size * 8;
        long m = bits == 64 ? -1L : (1L << bits) - 1;
        long sb = 1L << (bits - 1);
        long[] v = {0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 255,
            sb - 1, sb, sb + 1, m, m - 1, m - 2, m >>> 1, 0x5555_5555_5555_5555L, 0xAAAA_AAAA_AAAA_AAAAL,
            0x0F0F_0F0F_0F0F_0F0FL, 0x8000_0001_8000_0001L, 0x0000_FFFF_0000_FFFFL, 0x7F, 0x80, 0x7FFF, 0x8000,
            0x7FFF_FFFFL, 0x8000_0000L};
        for (int k = 0; k < v.length; k++) {
            v[k] &= m;
        }
        return v;
    }

    /** An operand of {@code size} bytes, zero-extended: an edge value or uniform. */
    public long value(int size) {
        long m = size == 8 ? -1L : (1L << (size * 8)) - 1;
        return switch (rnd.nextInt(8)) {
            case 0, 1, 2 -> {
                long[] e = edges(size);
                yield e[rnd.nextInt(e.length)];
            }
            case 3 -> (1L << rnd.nextInt(size * 8)) & m;                       // one bit
            case 4 -> (rnd.nextBoolean() ? -1L << rnd.nextInt(size * 8) : -1L >>> rnd.nextInt(64)) & m; // a run of ones
            case 5 -> (rnd.nextLong() >> rnd.nextInt(64)) & m;                  // sign-extended small or negative
            default -> rnd.nextLong() & m;
        };
    }

    /** {@link #value} in the low {@code size} bytes and random bits above. */
    public long bits(int size) {
        if (size == 8) {
            return value(8);
        }
        long m = (1L << (size * 8)) - 1;
        return (rnd.nextLong() & ~m) | value(size);
    }

    /** A uniformly random 64-bit value. */
    public long any() {
        return rnd.nextLong();
    }

    /** Random arithmetic flags (CF PF AF ZF SF OF), DF clear. */
    public long flags() {
        return rnd.nextLong() & 0x8D5;
    }

    /**
     * A random state: GPRs from {@link #bits} with random sizes, RSP = {@link MachineState#DEFAULT_RSP},
     * random arithmetic flags with DF clear, random XMM registers, MXCSR default, an empty x87
     * stack, random data bytes.
     */
    public MachineState state() {
        MachineState s = new MachineState();
        for (int k = 0; k < 16; k++) {
            s.gpr[k] = bits(1 << rnd.nextInt(4));
        }
        s.gpr[MachineState.RSP] = MachineState.DEFAULT_RSP;
        s.rflags = flags();
        for (int k = 0; k < 32; k++) {
            s.xmm[k] = rnd.nextLong();
        }
        rnd.nextBytes(s.data);
        return s;
    }

    /** {@code n} states from {@link #state()}. */
    public List<MachineState> states(int n) {
        List<MachineState> l = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            l.add(state());
        }
        return l;
    }
}
