package platform.cpu.internal;

/**
 * One decoded instruction, position independent (relative branch targets and RIP-relative
 * addresses are resolved at execution from {@code Core.rip}), so a decoded instruction is
 * valid wherever its bytes are mapped. Written once by the {@link Decoder}, then only read.
 */
public final class Insn {
    /** Prefix bits. */
    public static final int P_LOCK = 1, P_REP = 2 /* F3 */, P_REPNE = 4 /* F2 */, P_OPSIZE = 8 /* 66 */,
            P_ADDRSIZE = 16 /* 67 */, P_REX = 32, P_REXW = 64;
    /** Segment override values of {@link #seg}. */
    public static final int SEG_NONE = 0, SEG_FS = 4, SEG_GS = 5;
    /** {@link #base} value for RIP-relative addressing. */
    public static final int RIP = 16;

    /** What runs it. */
    public Op op;
    /** Length in bytes (1..15). */
    public int len;
    /** Offset of the instruction's end from the start of its block (set when the block is made). */
    public int end;
    /** Position of the instruction in its block (0 for the first; set when the block is made). */
    public int pos;
    /** Operand size in bytes: 1, 2, 4 or 8. */
    public int opsize;
    /** Address size in bytes: 8, or 4 with a 0x67 prefix. */
    public int asize = 8;
    /** Prefix bits (P_*). */
    public int prefix;
    /** Opcode map (0: one byte, 1: 0F, 2: 0F38, 3: 0F3A) and opcode byte. */
    public int map, opcode;
    /** ModRM byte, or -1. */
    public int modrm = -1;
    /** ModRM.reg extended by REX.R (0..15); for opcodes with a register in the low bits, that register with REX.B. */
    public int reg;
    /** {@link #reg} as a byte register: 0..15 low bytes, 16..19 AH, CH, DH, BH (no REX prefix). */
    public int reg8;
    /** ModRM.rm extended by REX.B when {@link #mem} is false. */
    public int rm;
    /** {@link #rm} as a byte register (see {@link #reg8}). */
    public int rm8;
    /** True when the r/m operand is in memory. */
    public boolean mem;
    /** Memory operand: base register (0..15, {@link #RIP}, or -1), index (-1 for none), scale shift (0..3), displacement. */
    public int base = -1, index = -1, scale;
    public long disp;
    /** Segment override (only FS and GS have a base in 64-bit mode). */
    public int seg;
    /** First immediate, sign-extended to 64 bits (relative branch displacements too). */
    public long imm;
    /** Second immediate (ENTER's nesting level, the 8-bit immediate of EXTRQ-style forms). */
    public int imm2;
    /** True if the instruction ends a decoded block (it may change RIP, CPL, RFLAGS.IF or paging, or it faults). */
    public boolean ends;
    /** Condition code (low four bits of Jcc, SETcc, CMOVcc opcodes). */
    public int cc;

    /** Resets every field, for reuse by the decoder. */
    void clear() {
        op = null;
        len = 0;
        opsize = 4;
        asize = 8;
        prefix = 0;
        map = 0;
        opcode = 0;
        modrm = -1;
        reg = 0;
        reg8 = 0;
        rm = 0;
        rm8 = 0;
        mem = false;
        base = -1;
        index = -1;
        scale = 0;
        disp = 0;
        seg = 0;
        imm = 0;
        imm2 = 0;
        cc = 0;
        ends = false;
    }

    /** Copies every field of {@code o}. */
    void copyFrom(Insn o) {
        op = o.op;
        len = o.len;
        end = o.end;
        pos = o.pos;
        opsize = o.opsize;
        asize = o.asize;
        prefix = o.prefix;
        map = o.map;
        opcode = o.opcode;
        modrm = o.modrm;
        reg = o.reg;
        reg8 = o.reg8;
        rm = o.rm;
        rm8 = o.rm8;
        mem = o.mem;
        base = o.base;
        index = o.index;
        scale = o.scale;
        disp = o.disp;
        seg = o.seg;
        imm = o.imm;
        imm2 = o.imm2;
        cc = o.cc;
        ends = o.ends;
    }

    /** ModRM.reg without REX.R: the opcode extension of group instructions. */
    public int ext() {
        return (modrm >> 3) & 7;
    }

    public boolean has(int prefixBit) {
        return (prefix & prefixBit) != 0;
    }

    @Override
    public String toString() {
        return String.format("%s%02x len=%d os=%d modrm=%s", map == 0 ? "" : map == 1 ? "0f " : map == 2 ? "0f38 " : "0f3a ",
                opcode, len, opsize, modrm < 0 ? "-" : Integer.toHexString(modrm));
    }
}
