package platform.cpu.diff;

import org.junit.jupiter.api.Test;

/**
 * x87 control: the constants (FLD1 FLDL2T FLDL2E FLDPI FLDLG2 FLDLN2 FLDZ) under each
 * rounding control, FLDCW with every kind of control word (reserved bits, PC=01) followed by
 * arithmetic that depends on it, FNSTCW, FNSTSW AX and m16, FNINIT, FNCLEX, FNSTENV/FLDENV
 * and FNSAVE/FRSTOR in the 32-bit (28 + 80 bytes) and 16-bit (operand-size prefix, 14 + 80
 * bytes) formats: the images are compared byte for byte in the data region, except the last
 * instruction and data pointers (FIP, FCS, FOP, FDP, FDS), which the emulator does not keep
 * and which the snippets overwrite with zeros after each store; loading images with every
 * tag pattern (a tag other than empty is recomputed from the register), FSW values with
 * pending exceptions, and then storing them again shows what was loaded.
 */
class DiffX87ControlTest {
    static final int N = 160;
    private final Gen g = new Gen(0x87_0004);
    private final X87Values x = new X87Values(g);

    /** A random stack of depth 0..8. */
    private long[][] stack() {
        long[][] v = new long[g.rnd.nextInt(9)][];
        for (int k = 0; k < v.length; k++) {
            v[k] = g.rnd.nextInt(10) == 0 ? null : x.ext();
        }
        return v;
    }

    /** Zeroes the pointer fields of an environment image at DATA + off (32-bit format, or 16-bit). */
    static String clearPointers(int off, boolean o16) {
        if (o16) {
            return String.format("\nmov qword [DATA + 0x%x], 0", off + 6);
        }
        return String.format("\nmov qword [DATA + 0x%x], 0\nmov dword [DATA + 0x%x], 0\nmov word [DATA + 0x%x], 0",
                off + 12, off + 20, off + 24);
    }

    @Test
    void constants() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz"};
        for (String op : ops) {
            for (int k = 0; k < 48; k++) {
                int fcw = (x.fcw() & ~0xC00) | (k & 3) << 10;
                X87Values.add(b, op, x.state(fcw, stack()), "rc=" + (k & 3));
            }
        }
        b.run();
    }

    @Test
    void loadControlWordThenCompute() {
        Differential.Batch b = Differential.batch();
        String[] after = {"fadd st0, st1", "fmul st0, st1", "fdiv st0, st1", "fsqrt", "frndint", "fsub st0, st1",
            "fist dword [DATA + 0x200]", "fst dword [DATA + 0x200]", "fldpi", "fdivr st0, st1"};
        for (String op : after) {
            for (int k = 0; k < 48; k++) {
                MachineState s = x.state(x.fcw(), x.finite(), x.finite());
                int cw = switch (g.rnd.nextInt(3)) {
                    case 0 -> g.rnd.nextInt(0x10000);                                         // reserved bits too
                    case 1 -> 0x7F | g.rnd.nextInt(4) << 8 | g.rnd.nextInt(4) << 10;          // PC, RC, masked
                    default -> 0x40 | g.rnd.nextInt(64) | g.rnd.nextInt(4) << 8 | g.rnd.nextInt(4) << 10;
                };
                s.poke(0x100, 2, cw);
                X87Values.add(b, "fldcw [DATA + 0x100]\n" + op + "\nfnstcw [DATA + 0x102]", s, String.format("cw=%x", cw));
            }
        }
        b.run();
    }

    @Test
    void statusAndControlWordStores() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fnstsw ax", "fnstsw [DATA + 0x100]", "fnstcw [DATA + 0x100]", "fstsw ax", "fstcw [DATA + 0x100]"};
        for (String op : ops) {
            for (int k = 0; k < N; k++) {
                MachineState s = x.state(x.fcw(), stack());
                int cc = g.rnd.nextInt(0x10000) & 0x4700;
                int flags = g.rnd.nextInt(0x80) & (0x40 | s.fcw & 0x3F); // SF and masked exceptions
                s.fsw = (s.fsw & 0x3800) | cc | flags;
                X87Values.add(b, op, consistent(s), null);
            }
        }
        b.run();
    }

    /** Sets ES and B exactly when an unmasked exception flag is set, as a real FPU holds FSW. */
    static MachineState consistent(MachineState s) {
        int flags = s.fsw & 0x3F;
        if ((flags & ~s.fcw & 0x3F) != 0) {
            s.fsw |= 0x8080;
        } else {
            s.fsw &= ~0x8080;
        }
        return s;
    }

    @Test
    void initAndClear() {
        Differential.Batch b = Differential.batch();
        for (String op : new String[] {"fninit", "fnclex", "fnclex\nfwait", "fninit\nfld1\nfstp tword [DATA + 0x100]",
            "db 0xdb, 0xe0 ; feni (8087), a no-op", "db 0xdb, 0xe1 ; fdisi (8087), a no-op", "db 0xdb, 0xe4 ; fsetpm (287), a no-op",
            "fnop"}) {
            for (int k = 0; k < 40; k++) {
                MachineState s = x.state(x.fcw(), stack());
                s.fsw |= g.rnd.nextInt(0x80) & 0x7F;
                X87Values.add(b, op, consistent(s), null);
            }
        }
        b.run();
    }

    @Test
    void storeEnvironment() {
        Differential.Batch b = Differential.batch();
        for (boolean o16 : new boolean[] {false, true}) {
            String p = o16 ? "o16 " : "";
            String[] snippets = {
                p + "fnstenv [DATA + 0x100]" + clearPointers(0x100, o16),
                // the masks FNSTENV sets show in FCW, and the environment again
                p + "fnstenv [DATA + 0x100]" + clearPointers(0x100, o16) + "\n" + p + "fnstenv [DATA + 0x140]" + clearPointers(0x140, o16),
                p + "fnstenv [DATA + 0x100]" + clearPointers(0x100, o16) + "\nfld1\nfstp st0\n" + p + "fldenv [DATA + 0x100]",
                p + "fnsave [DATA + 0x100]" + clearPointers(0x100, o16),
                p + "fnsave [DATA + 0x100]" + clearPointers(0x100, o16) + "\nfld1\n" + p + "frstor [DATA + 0x100]",
                p + "fnsave [DATA + 0x100]" + clearPointers(0x100, o16) + "\n" + p + "fnsave [DATA + 0x200]" + clearPointers(0x200, o16),
            };
            for (String asm : snippets) {
                for (int k = 0; k < 60; k++) {
                    MachineState s = x.state(x.fcw(), stack());
                    s.fsw |= g.rnd.nextInt(0x80) & 0x7F & s.fcw;
                    X87Values.add(b, asm, consistent(s), null);
                }
            }
        }
        // REX.W changes nothing (32-bit format); o16 and REX.W together: REX.W wins
        for (String asm : new String[] {"db 0x48, 0xd9, 0x35 ; rex.w fnstenv\ndd DATA + 0x100 - (CODE + 7)" + clearPointers(0x100, false),
            "db 0x66, 0x48, 0xd9, 0x35 ; o16 rex.w fnstenv\ndd DATA + 0x100 - (CODE + 8)" + clearPointers(0x100, false),
            "db 0x48, 0xdd, 0x35 ; rex.w fnsave\ndd DATA + 0x100 - (CODE + 7)" + clearPointers(0x100, false)}) {
            for (int k = 0; k < 20; k++) {
                X87Values.add(b, asm, consistent(x.state(x.fcw(), stack())), null);
            }
        }
        b.run();
    }

    /** Writes an environment image with random FCW, FSW and tag word at DATA + off. */
    private void randomEnv(MachineState s, int off, boolean o16) {
        int fcw = g.rnd.nextInt(4) == 0 ? g.rnd.nextInt(0x10000) : x.fcw();
        int fsw = g.rnd.nextInt(0x10000);
        if (g.rnd.nextBoolean()) {
            fsw &= ~0x80BF | (fcw & 0x3F); // no pending exception, ES and B clear
        }
        int ftw = switch (g.rnd.nextInt(3)) {
            case 0 -> g.rnd.nextInt(0x10000);
            case 1 -> 0xFFFF;
            default -> 0;
        };
        int step = o16 ? 2 : 4;
        s.poke(off, step, (o16 ? 0 : 0xFFFF0000L) | fcw);
        s.poke(off + step, step, (o16 ? 0 : 0xFFFF0000L) | fsw);
        s.poke(off + 2 * step, step, (o16 ? 0 : 0xFFFF0000L) | ftw);
    }

    @Test
    void loadEnvironment() {
        Differential.Batch b = Differential.batch();
        for (boolean o16 : new boolean[] {false, true}) {
            String p = o16 ? "o16 " : "";
            String[] snippets = {
                p + "fldenv [DATA + 0x100]",
                p + "fldenv [DATA + 0x100]\n" + p + "fnstenv [DATA + 0x200]" + clearPointers(0x200, o16),
                p + "frstor [DATA + 0x100]",
                p + "frstor [DATA + 0x100]\n" + p + "fnsave [DATA + 0x200]" + clearPointers(0x200, o16),
                p + "frstor [DATA + 0x100]\nfxam\nfnstsw [DATA + 0x300]\nfincstp\nfxam\nfnstsw [DATA + 0x302]",
            };
            for (String asm : snippets) {
                for (int k = 0; k < 80; k++) {
                    MachineState s = x.state(x.fcw(), stack());
                    randomEnv(s, 0x100, o16);
                    int regs = 0x100 + (o16 ? 14 : 28);
                    for (int i = 0; i < 8; i++) {
                        X87Values.poke80(s, regs + 10 * i, x.ext());
                    }
                    X87Values.add(b, asm, s, String.format("env=%016x:%016x", s.peek(0x108, 8), s.peek(0x100, 8)));
                }
            }
        }
        b.run();
    }

    /**
     * The x87 part of FXSAVE/FXRSTOR (FCW, FSW, the abridged tags, the registers), after x87
     * work and loaded from an image. FOP, FIP, FDP (not kept) and MXCSR_MASK (the host's may
     * have AMD's misaligned-SSE bit 17) are overwritten with zeros before the comparison.
     */
    @Test
    void fxsaveImage() {
        Differential.Batch b = Differential.batch();
        String clear = "\nmov word [DATA + 0x206], 0\nmov qword [DATA + 0x208], 0\nmov qword [DATA + 0x210], 0"
                + "\nmov dword [DATA + 0x21c], 0";
        for (String asm : new String[] {"fxsave [DATA + 0x200]" + clear, "fld1\nfaddp st2, st0\nfxsave64 [DATA + 0x200]" + clear,
            "fxrstor [DATA + 0x400]\nfxsave [DATA + 0x200]" + clear, "fxrstor [DATA + 0x400]\nfxam\nfnstsw ax"}) {
            for (int k = 0; k < 60; k++) {
                MachineState s = x.state(x.fcw(), stack());
                X87Values.add(b, asm, consistent(s), null);
                s.poke(0x400, 2, x.fcw());
                s.poke(0x402, 2, g.rnd.nextInt(0x10000) & ~0x80BF);
                s.poke(0x404, 1, g.rnd.nextInt(256));
                s.poke(0x418, 4, 0x1F80);
                s.poke(0x41C, 4, 0);
                for (int i = 0; i < 8; i++) {
                    X87Values.poke80(s, 0x420 + 16 * i, x.ext());
                }
            }
        }
        b.run();
    }
}
