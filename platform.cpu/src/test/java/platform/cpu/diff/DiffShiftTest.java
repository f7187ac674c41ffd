package platform.cpu.diff;

import static platform.cpu.diff.Differential.AF;
import static platform.cpu.diff.Differential.ALL;
import static platform.cpu.diff.Differential.OF;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * ROL ROR RCL RCR SHL SHR SAL SAR by 1, imm8 and CL at every size, register and memory
 * operands, counts 0 (nothing changes), masked counts, counts beyond the width, RCL/RCR mod
 * 9/17; SHLD/SHRD. AF is undefined after all of them; OF is undefined unless the masked count
 * is 1 and is then masked; a 16-bit SHLD/SHRD by more than 16 has an undefined result.
 */
class DiffShiftTest {
    static final String[] OPS = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
    static final int[] SIZES = {1, 2, 4, 8};
    private final Gen g = new Gen(0x5F_0001);
    private final Random rnd = g.rnd;

    /** An interesting count for size {@code s}. */
    private int count(int s) {
        int[] e = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 18, 31, 32, 33, 63, 64, 65, 127, 255, s * 8 - 1, s * 8, s * 8 + 1};
        return rnd.nextBoolean() ? e[rnd.nextInt(e.length)] : rnd.nextInt(256);
    }

    /** Flags compared after a shift by {@code n}: AF never, OF only for a masked count of 1. */
    static long flagsFor(int n, int size) {
        int masked = n & (size == 8 ? 63 : 31);
        return ALL & ~AF & (masked == 1 ? ~0L : ~OF);
    }

    @Test
    void shiftsAndRotates() {
        Differential.Batch b = Differential.batch();
        for (int op = 0; op < 8; op++) {
            for (int size : SIZES) {
                for (int k = 0; k < 2; k++) {
                    int r = Regs.pick(rnd, size);
                    while (Regs.full(r) == 1) {
                        r = Regs.pick(rnd, size);
                    }
                    String reg = Regs.name(r, size);
                    String mem = Regs.ptr(size) + " [DATA + " + Operands.offset(rnd, size) + "]";
                    for (String dst : new String[] {reg, mem}) {
                        String byOne = OPS[op] + " " + dst + ", 1";
                        String byCl = OPS[op] + " " + dst + ", cl";
                        for (int j = 0; j < 12; j++) {
                            MachineState s = g.state();
                            Operands.set(s, r, size, g.value(size));
                            b.add(byOne, s, flagsFor(1, size)).name(byOne);
                            int n = count(size);
                            MachineState t = s.copy();
                            Operands.set(t, 1, 1, n);
                            b.add(byCl, t, flagsFor(n, size)).name(byCl + " cl=" + n);
                            if (j < 4) {
                                int imm = count(size);
                                String byImm = OPS[op] + " " + dst + ", " + imm;
                                b.add(byImm, s, flagsFor(imm, size)).name(byImm);
                            }
                        }
                    }
                }
            }
        }
        // a zero count does not write memory (read-only memory does not fault), a non-zero one does
        for (String asm : new String[] {"shl dword [RODATA], cl", "rcr byte [RODATA + 1], cl", "shl qword [RODATA], 0",
            "sar word [RODATA + 3], 64"}) {
            for (int n : new int[] {0, 32, 64, 1}) {
                MachineState s = g.state();
                s.gpr[1] = n;
                b.add(asm, s, flagsFor(n, 4)).name(asm + " cl=" + n);
            }
        }
        // the count register as the destination
        for (String asm : new String[] {"shl cl, cl", "rol cx, cl", "sar ecx, cl", "rcr rcx, cl", "shr ch, cl",
            "shld rcx, rdx, cl", "shrd edx, ecx, cl", "shld cx, cx, cl"}) {
            for (int k = 0; k < 16; k++) {
                MachineState s = g.state();
                int size = asm.contains("rcx") ? 8 : asm.contains("ecx") ? 4 : asm.contains("cx") ? 2 : 1;
                long n = s.gpr[1] & (size == 8 ? 63 : 31);
                boolean undefined = asm.startsWith("shld cx") && n > 16;
                Differential.Case c = b.add(asm, s, undefined ? 0 : flagsFor((int) n, size)).name(asm);
                if (undefined) {
                    c.ignoreGpr(1);
                }
            }
        }
        // D0 /6 is SAL
        b.add("db 0xd0, 0xf0 ; sal al, 1", g.state(), ALL & ~AF);
        b.add("db 0x48, 0xd3, 0xf3 ; sal rbx, cl", g.state().set(1, 5), ALL & ~AF & ~OF);
        b.run();
    }

    @Test
    void doublePrecisionShifts() {
        Differential.Batch b = Differential.batch();
        for (String op : new String[] {"shld", "shrd"}) {
            for (int size : new int[] {2, 4, 8}) {
                for (int k = 0; k < 3; k++) {
                    int[] p = Regs.pair(rnd, size);
                    while (p[0] == 1 || p[1] == 1) {
                        p = Regs.pair(rnd, size);
                    }
                    String d = Regs.name(p[0], size), src = Regs.name(p[1], size);
                    String mem = Regs.ptr(size) + " [DATA + " + Operands.offset(rnd, size) + "]";
                    for (String dst : new String[] {d, mem}) {
                        for (int j = 0; j < 16; j++) {
                            MachineState s = g.state();
                            Operands.set(s, p[0], size, g.value(size));
                            Operands.set(s, p[1], size, g.value(size));
                            int n = count(size);
                            int masked = n & (size == 8 ? 63 : 31);
                            boolean undefinedResult = size == 2 && masked > 16;
                            s.gpr[1] = n;
                            String asm = op + " " + dst + ", " + src + ", cl";
                            Differential.Case c = b.add(asm, s, undefinedResult ? 0 : flagsFor(n, size)).name(asm + " cl=" + n);
                            if (undefinedResult) {
                                c.ignoreGpr(p[0]).ignoreData();
                            }
                            if (j < 6) {
                                int imm = rnd.nextInt(size * 8);
                                String asmImm = op + " " + dst + ", " + src + ", " + imm;
                                b.add(asmImm, s, flagsFor(imm, size)).name(asmImm);
                            }
                        }
                    }
                }
            }
        }
        b.run();
    }
}
