package platform.cpu.diff;

import static platform.cpu.diff.Differential.AF;
import static platform.cpu.diff.Differential.ALL;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * ADD OR ADC SBB AND SUB XOR CMP in all six forms and the group-1 immediate forms, TEST,
 * INC/DEC, NEG/NOT, all sizes, register and memory operands, LOCK. AF is undefined after
 * the logical operations and masked there; every other flag is compared.
 */
class DiffAluTest {
    static final String[] OPS = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
    static final int[] SIZES = {1, 2, 4, 8};
    static final int STATES = 16;

    private final Gen g = new Gen(0xA1_0001);
    private final Random rnd = g.rnd;

    static long flagsOf(int op) {
        return op == 1 || op == 4 || op == 6 ? ALL & ~AF : ALL;
    }

    /** Adds STATES random cases of {@code asm} with operand registers {@code regs} set to values of {@code size}. */
    private void add(Differential.Batch b, String asm, long flags, int size, int... regs) {
        for (int k = 0; k < STATES; k++) {
            MachineState s = g.state();
            for (int r : regs) {
                Operands.set(s, r, size, g.value(size));
            }
            b.add(asm, s, flags).name(asm);
        }
    }

    /** Adds cases of {@code asm} whose memory operand is [base + disp] with a value of {@code size} there. */
    private void addMem(Differential.Batch b, String asmTemplate, long flags, int size, int base, int... regs) {
        for (int k = 0; k < STATES / 2; k++) {
            int disp = rnd.nextBoolean() ? 0 : rnd.nextInt(256) - 128;
            String asm = asmTemplate.replace("MEM", "[" + Regs.name(base, 8) + (disp < 0 ? " - " : " + ") + Math.abs(disp) + "]");
            for (int j = 0; j < 2; j++) {
                MachineState s = g.state();
                for (int r : regs) {
                    Operands.set(s, r, size, g.value(size));
                }
                int off = Operands.offset(rnd, size);
                s.poke(off, size, g.value(size));
                s.gpr[base] = MachineState.DATA + off - disp;
                b.add(asm, s, flags).name(asm);
            }
        }
    }

    @Test
    void registerForms() {
        Differential.Batch b = Differential.batch();
        for (int op = 0; op < 8; op++) {
            for (int size : SIZES) {
                for (int k = 0; k < 3; k++) {
                    int[] p = Regs.pair(rnd, size);
                    String mr = OPS[op] + " " + Regs.name(p[0], size) + ", " + Regs.name(p[1], size);
                    add(b, mr, flagsOf(op), size, p);
                    // reg, r/m direction (opcode +2/+3), which nasm never emits for two registers
                    String rm = Enc.rr(size, p[0], p[1], 0, 0, op * 8 + (size == 1 ? 2 : 3));
                    add(b, rm + " ; " + OPS[op] + " " + Regs.name(p[0], size) + ", " + Regs.name(p[1], size) + " (RM)",
                            flagsOf(op), size, p);
                }
                int r = Regs.pick(rnd, size);
                add(b, OPS[op] + " " + Regs.name(r, size) + ", " + Regs.name(r, size), flagsOf(op), size, r);
            }
        }
        b.run();
    }

    @Test
    void memoryForms() {
        Differential.Batch b = Differential.batch();
        for (int op = 0; op < 8; op++) {
            for (int size : SIZES) {
                for (int k = 0; k < 2; k++) {
                    int r = Regs.pick(rnd, size);
                    int base = Operands.base(rnd, r >= 16, r);
                    String reg = Regs.name(r, size);
                    addMem(b, OPS[op] + " " + Regs.ptr(size) + " MEM, " + reg, flagsOf(op), size, base, r);
                    addMem(b, OPS[op] + " " + reg + ", " + Regs.ptr(size) + " MEM", flagsOf(op), size, base, r);
                    if (op != 7) {
                        addMem(b, "lock " + OPS[op] + " " + Regs.ptr(size) + " MEM, " + reg, flagsOf(op), size, base, r);
                    }
                }
            }
        }
        b.run();
    }

    @Test
    void immediateForms() {
        Differential.Batch b = Differential.batch();
        for (int op = 0; op < 8; op++) {
            long f = flagsOf(op);
            for (int size : SIZES) {
                int iz = size == 2 ? 2 : size == 1 ? 1 : 4;
                for (int k = 0; k < 2; k++) {
                    long imm = g.value(iz);
                    long imm8 = g.value(1);
                    // accumulator forms 04/05
                    add(b, Enc.plain(size, imm, iz, op * 8 + (size == 1 ? 4 : 5)) + " ; " + OPS[op] + " acc, imm", f, size, 0);
                    int r = Regs.pick(rnd, size);
                    if (size == 1) {
                        add(b, Enc.rr(1, op, r, imm8, 1, 0x80) + " ; " + OPS[op] + " r8, imm8", f, 1, r);
                    } else {
                        add(b, Enc.rr(size, op, r, imm, iz, 0x81) + " ; " + OPS[op] + " r, imm" + iz * 8, f, size, r);
                        add(b, Enc.rr(size, op, r, imm8, 1, 0x83) + " ; " + OPS[op] + " r, simm8", f, size, r);
                    }
                    int base = Operands.base(rnd, false);
                    long v = size == 1 ? imm8 : rnd.nextBoolean() ? (byte) imm8 : (iz == 2 ? (short) imm : (int) imm);
                    addMem(b, OPS[op] + " " + Regs.ptr(size) + " MEM, " + v, f, size, base);
                    if (op != 7) {
                        addMem(b, "lock " + OPS[op] + " " + Regs.ptr(size) + " MEM, " + v, f, size, base);
                    }
                }
            }
        }
        // 82 is invalid in 64-bit mode; LOCK on a register destination or on CMP is #UD
        add(b, "db 0x82, 0xc0, 0x01", ALL, 1, 0);
        add(b, "db 0xf0\nadd eax, ebx", ALL, 4, 0);
        add(b, "db 0xf0\ncmp dword [DATA], ebx", ALL, 4, 0);
        add(b, "db 0xf0\nadd ebx, [DATA]", ALL, 4, 0);
        b.run();
    }

    @Test
    void testIncDecNegNot() {
        Differential.Batch b = Differential.batch();
        for (int size : SIZES) {
            for (int k = 0; k < 2; k++) {
                int[] p = Regs.pair(rnd, size);
                String a = Regs.name(p[0], size), c = Regs.name(p[1], size);
                long logic = ALL & ~AF;
                add(b, "test " + a + ", " + c, logic, size, p);
                add(b, "test " + a + ", " + a, logic, size, p);
                int iz = size == 2 ? 2 : size == 1 ? 1 : 4;
                add(b, Enc.plain(size, g.value(iz), iz, size == 1 ? 0xA8 : 0xA9) + " ; test acc, imm", logic, size, 0);
                add(b, Enc.rr(size, 0, p[0], g.value(iz), iz, size == 1 ? 0xF6 : 0xF7) + " ; test r, imm", logic, size, p);
                add(b, Enc.rr(size, 1, p[0], g.value(iz), iz, size == 1 ? 0xF6 : 0xF7) + " ; test r, imm (/1 alias)", logic,
                        size, p);
                for (String op : new String[] {"inc", "dec", "neg", "not"}) {
                    add(b, op + " " + a, ALL, size, p);
                    int base = Operands.base(rnd, p[0] >= 16, p[0]);
                    addMem(b, op + " " + Regs.ptr(size) + " MEM", ALL, size, base);
                    addMem(b, "lock " + op + " " + Regs.ptr(size) + " MEM", ALL, size, base);
                }
                int base = Operands.base(rnd, p[0] >= 16, p[0]);
                addMem(b, "test " + Regs.ptr(size) + " MEM, " + a, logic, size, base, p[0]);
                addMem(b, "test " + Regs.ptr(size) + " MEM, " + g.value(iz == 4 ? 2 : iz), logic, size, base);
            }
        }
        // edge values through INC/DEC/NEG at every size
        for (int size : SIZES) {
            for (long v : Gen.edges(size)) {
                for (String op : new String[] {"inc", "dec", "neg"}) {
                    MachineState s = g.state();
                    Operands.set(s, 1, size, v);
                    b.add(op + " " + Regs.name(1, size), s, ALL);
                }
            }
        }
        b.add("db 0xf0\ninc eax", g.state(), ALL);
        // a read-modify-write whose store faults changes no flag
        for (String asm : new String[] {"add dword [RODATA], ebx", "lock sub qword [RODATA + 8], 5", "neg byte [RODATA]",
            "lock neg word [RODATA]", "inc dword [RODATA + 4]", "lock dec byte [RODATA]", "sbb word [RODATA + 2], cx",
            "xor dword [RODATA], 0x55", "not qword [RODATA]",
            // not present: the read of a read-modify-write is reported as a write (W in the error code)
            "add dword [DATA + 0x2000], ebx", "lock or byte [DATA + 0x2001], 1", "neg qword [DATA + 0x1ffc]",
            "inc word [DATA - 2]", "not dword [DATA + 0x2000]", "cmp dword [DATA + 0x2000], 1", "test [DATA + 0x2000], eax"}) {
            for (int k = 0; k < 4; k++) {
                b.add(asm, g.state(), ALL);
            }
        }
        b.run();
    }

    @Test
    void edgeValuesForEveryOperation() {
        Differential.Batch b = Differential.batch();
        for (int op = 0; op < 8; op++) {
            for (int size : SIZES) {
                long[] e = Gen.edges(size);
                String asm = OPS[op] + " " + Regs.name(2, size) + ", " + Regs.name(11, size);
                for (int k = 0; k < 80; k++) {
                    MachineState s = g.state();
                    Operands.set(s, 2, size, e[rnd.nextInt(e.length)]);
                    Operands.set(s, 11, size, e[rnd.nextInt(e.length)]);
                    b.add(asm, s, flagsOf(op));
                }
            }
        }
        b.run();
    }

    @Test
    void flagInstructions() {
        Differential.Batch b = Differential.batch();
        for (String asm : new String[] {"clc", "stc", "cmc", "cld", "std", "lahf", "sahf", "cld\nstd", "std\ncld",
            "add eax, ebx\ncmc", "sub eax, ebx\nlahf", "sahf\nadc eax, ebx", "stc\nlahf", "sahf\nsetc al\nseto bl"}) {
            for (int k = 0; k < 20; k++) {
                MachineState s = g.state();
                s.rflags |= rnd.nextBoolean() ? Differential.DF : 0;
                b.add(asm, s, ALL);
            }
        }
        b.run();
    }
}
