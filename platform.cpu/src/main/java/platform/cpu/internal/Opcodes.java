package platform.cpu.internal;

/**
 * The opcode tables the {@link Decoder} reads: for each opcode map (one-byte, 0F, 0F38, 0F3A)
 * and mandatory prefix (none, 66, F3, F2), the operand form of the opcode and the
 * {@link Binder} that picks its {@link Op}. Instruction groups fill the tables once, in
 * {@link #build()}; each group lives in its own class under {@code platform.cpu.internal.ops}.
 *
 * <p>Lookup rule for the 0F maps: the entry for the last of F2/F3 (else 66) is used if one
 * exists; otherwise the no-prefix entry, with 66 then meaning operand size and F2/F3 being
 * REP prefixes, as for ordinary instructions.
 */
public final class Opcodes {
    /** Form flags. */
    public static final int MODRM = 1;
    /** Immediates: a byte, a word, 16/32 bits by operand size ("Iz"), full operand size ("Iv", MOV r64, imm64), ENTER's word+byte. */
    public static final int IB = 2, IW = 4, IZ = 8, IV = 16, IW_IB = 32;
    /** Byte operands: opsize is 1. */
    public static final int BYTE = 64;
    /** Default operand size 64 in long mode (a 66 prefix makes it 16): PUSH, POP, ... */
    public static final int DEF64 = 128;
    /** Operand size is always 64 (near branches: Intel ignores 66). */
    public static final int F64 = 256;
    /** Ends a decoded block: the instruction may change RIP, CPL, RFLAGS.IF or paging. */
    public static final int END = 512;
    /** MOV with a 64-bit absolute address (A0..A3): 8-byte address (4 with 67). */
    public static final int MOFFS = 1024;
    /** The register is in the low three bits of the opcode (extended by REX.B). */
    public static final int OPREG = 2048;
    /** F6/F7: an immediate (byte, or 16/32 bits) only when ModRM.reg is 0 or 1 (TEST). */
    public static final int GRP3 = 4096;

    /** Mandatory prefix indices. */
    public static final int NP = 0, P66 = 1, PF3 = 2, PF2 = 3;

    static final int MAPS = 4;
    final int[][] forms = new int[MAPS * 4][256];
    final Binder[][] binders = new Binder[MAPS * 4][256];

    /** The tables with every implemented instruction group registered. */
    public static Opcodes build() {
        Opcodes t = new Opcodes();
        platform.cpu.internal.ops.Groups.registerAll(t);
        return t;
    }

    /** Registers a one-byte opcode. */
    public void one(int opcode, int form, Binder b) {
        set(0, NP, opcode, form, b);
    }

    /** Registers opcodes {@code first..first+count-1} with the same form and binder. */
    public void oneRange(int first, int count, int form, Binder b) {
        for (int k = 0; k < count; k++) {
            set(0, NP, first + k, form, b);
        }
    }

    /** Registers a 0F opcode for a mandatory prefix ({@link #NP}, {@link #P66}, {@link #PF3}, {@link #PF2}). */
    public void two(int prefix, int opcode, int form, Binder b) {
        set(1, prefix, opcode, form, b);
    }

    /** Registers a 0F 38 opcode. */
    public void three38(int prefix, int opcode, int form, Binder b) {
        set(2, prefix, opcode, form, b);
    }

    /** Registers a 0F 3A opcode. */
    public void three3A(int prefix, int opcode, int form, Binder b) {
        set(3, prefix, opcode, form, b);
    }

    private void set(int map, int prefix, int opcode, int form, Binder b) {
        int t = map * 4 + prefix;
        if (binders[t][opcode] != null) {
            throw new IllegalStateException(String.format("opcode map %d prefix %d %02x registered twice", map, prefix, opcode));
        }
        forms[t][opcode] = form;
        binders[t][opcode] = b;
    }

    /** True if something is registered for that map, prefix and opcode (for tests and coverage reports). */
    public boolean has(int map, int prefix, int opcode) {
        return binders[map * 4 + prefix][opcode] != null;
    }
}
