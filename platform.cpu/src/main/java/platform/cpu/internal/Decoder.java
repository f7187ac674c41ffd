package platform.cpu.internal;

import platform.cpu.Vectors;

/**
 * Decodes one x86-64 instruction from bytes into an {@link Insn}: legacy prefixes, REX,
 * opcode maps (one-byte, 0F, 0F38, 0F3A), ModRM, SIB, displacement and immediates, driven
 * by the form flags in {@link Opcodes}. 64-bit mode only.
 *
 * <p>Contract of {@link #decode}: reads at most {@code n} bytes of {@code buf} from
 * {@code off}; returns the instruction length, or {@link #NEED_MORE} when the instruction
 * continues past those bytes (the caller fetches more and tries again). An encoding that is
 * invalid decodes successfully to an instruction that raises #UD (or #GP for one longer than
 * 15 bytes) when executed, as the CPU faults only when it reaches it.
 */
public final class Decoder {
    public static final int NEED_MORE = -1;
    static final int MAX_LEN = 15;

    private static final Op UD = (c, i) -> c.fault(Vectors.UD, 0);
    private static final Op TOO_LONG = (c, i) -> c.fault(Vectors.GP, 0);

    private final Opcodes tables;

    public Decoder(Opcodes tables) {
        this.tables = tables;
    }

    /** Decodes into {@code d}; see the class comment. */
    public int decode(byte[] buf, int off, int n, Insn d) {
        d.clear();
        int p = off;
        int end = off + Math.min(n, MAX_LEN);
        int rex = 0;
        int prefix = 0;
        int lastRep = 0; // P_REP or P_REPNE, whichever came last
        // legacy prefixes and REX (a REX followed by a legacy prefix is ignored)
        for (;;) {
            if (p >= end) {
                return n < MAX_LEN ? NEED_MORE : tooLong(d);
            }
            int b = buf[p] & 0xFF;
            switch (b) {
                case 0xF0 -> prefix |= Insn.P_LOCK;
                case 0xF2 -> { prefix |= Insn.P_REPNE; lastRep = Insn.P_REPNE; }
                case 0xF3 -> { prefix |= Insn.P_REP; lastRep = Insn.P_REP; }
                case 0x66 -> prefix |= Insn.P_OPSIZE;
                case 0x67 -> prefix |= Insn.P_ADDRSIZE;
                case 0x2E, 0x36, 0x3E, 0x26 -> d.seg = Insn.SEG_NONE; // null segments in 64-bit mode
                case 0x64 -> d.seg = Insn.SEG_FS;
                case 0x65 -> d.seg = Insn.SEG_GS;
                default -> {
                    if ((b & 0xF0) == 0x40) {
                        rex = b;
                        p++;
                        if (p >= end) {
                            return n < MAX_LEN ? NEED_MORE : tooLong(d);
                        }
                        int next = buf[p] & 0xFF;
                        if (isLegacyPrefix(next) || (next & 0xF0) == 0x40) {
                            rex = 0; // not immediately before the opcode: ignored
                            continue;
                        }
                    }
                    break;
                }
            }
            if ((b & 0xF0) == 0x40 || !isLegacyPrefix(b)) {
                break;
            }
            p++;
        }
        if (rex != 0) {
            prefix |= Insn.P_REX;
            if ((rex & 8) != 0) {
                prefix |= Insn.P_REXW;
            }
        }
        d.prefix = prefix;
        // opcode
        int map = 0;
        int op = buf[p++] & 0xFF;
        if (op == 0x0F) {
            if (p >= end) {
                return needMore(n, d);
            }
            op = buf[p++] & 0xFF;
            map = 1;
            if (op == 0x38 || op == 0x3A) {
                map = op == 0x38 ? 2 : 3;
                if (p >= end) {
                    return needMore(n, d);
                }
                op = buf[p++] & 0xFF;
            }
        }
        d.map = map;
        d.opcode = op;
        d.cc = op & 15;
        int table = map * 4;
        int mandatory = Opcodes.NP;
        if (map != 0) {
            if (lastRep == Insn.P_REPNE) {
                mandatory = Opcodes.PF2;
            } else if (lastRep == Insn.P_REP) {
                mandatory = Opcodes.PF3;
            } else if ((prefix & Insn.P_OPSIZE) != 0) {
                mandatory = Opcodes.P66;
            }
            if (mandatory != Opcodes.NP && tables.binders[table + mandatory][op] == null) {
                mandatory = Opcodes.NP;
            }
        }
        int form = tables.forms[table + mandatory][op];
        Binder binder = tables.binders[table + mandatory][op];
        // operand size
        if ((form & Opcodes.BYTE) != 0) {
            d.opsize = 1;
        } else if ((rex & 8) != 0 || (form & Opcodes.F64) != 0) {
            d.opsize = 8;
        } else if ((prefix & Insn.P_OPSIZE) != 0 && mandatory != Opcodes.P66) {
            d.opsize = 2;
        } else {
            d.opsize = (form & Opcodes.DEF64) != 0 ? 8 : 4;
        }
        if ((prefix & Insn.P_ADDRSIZE) != 0) {
            d.asize = 4;
        }
        if ((form & Opcodes.OPREG) != 0) {
            d.reg = (op & 7) | ((rex & 1) << 3);
            d.reg8 = byteReg(d.reg, rex);
        }
        // ModRM, SIB, displacement
        if ((form & Opcodes.MODRM) != 0) {
            if (p >= end) {
                return needMore(n, d);
            }
            int modrm = buf[p++] & 0xFF;
            d.modrm = modrm;
            int mod = modrm >> 6;
            d.reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
            d.reg8 = byteReg(d.reg, rex);
            int rm = modrm & 7;
            if (mod == 3) {
                d.rm = rm | ((rex & 1) << 3);
                d.rm8 = byteReg(d.rm, rex);
            } else {
                d.mem = true;
                int dispBytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
                if (rm == 4) {
                    if (p >= end) {
                        return needMore(n, d);
                    }
                    int sib = buf[p++] & 0xFF;
                    d.scale = sib >> 6;
                    int index = ((sib >> 3) & 7) | ((rex & 2) << 2);
                    d.index = index == 4 ? -1 : index;
                    int base = sib & 7;
                    if (base == 5 && mod == 0) {
                        d.base = -1;
                        dispBytes = 4;
                    } else {
                        d.base = base | ((rex & 1) << 3);
                    }
                } else if (rm == 5 && mod == 0) {
                    d.base = Insn.RIP;
                    dispBytes = 4;
                } else {
                    d.base = rm | ((rex & 1) << 3);
                }
                if (p + dispBytes > end) {
                    return needMore(n, d);
                }
                if (dispBytes == 1) {
                    d.disp = buf[p];
                } else if (dispBytes == 4) {
                    d.disp = le32(buf, p);
                }
                p += dispBytes;
            }
        }
        // immediates
        int immBytes = 0;
        if ((form & Opcodes.GRP3) != 0 && d.ext() < 2) { // F6/F7 /0 /1: TEST r/m, imm
            immBytes = d.opsize == 1 ? 1 : d.opsize == 2 ? 2 : 4;
        } else if ((form & Opcodes.IB) != 0) {
            immBytes = 1;
        } else if ((form & Opcodes.IW) != 0) {
            immBytes = 2;
        } else if ((form & Opcodes.IZ) != 0) {
            immBytes = d.opsize == 2 ? 2 : 4;
        } else if ((form & Opcodes.IV) != 0) {
            immBytes = d.opsize;
        } else if ((form & Opcodes.IW_IB) != 0) {
            immBytes = 3;
        } else if ((form & Opcodes.MOFFS) != 0) {
            immBytes = d.asize;
        }
        if (p + immBytes > end) {
            return needMore(n, d);
        }
        switch (immBytes) {
            case 0 -> { }
            case 1 -> d.imm = buf[p];
            case 2 -> d.imm = (form & (Opcodes.IW | Opcodes.IW_IB)) != 0 ? le16(buf, p) : (short) le16(buf, p);
            case 3 -> { d.imm = le16(buf, p); d.imm2 = buf[p + 2] & 0xFF; }
            case 4 -> d.imm = (form & Opcodes.MOFFS) != 0 ? le32(buf, p) & 0xFFFFFFFFL : le32(buf, p);
            case 8 -> d.imm = le64(buf, p);
            default -> throw new AssertionError(immBytes);
        }
        p += immBytes;
        if ((form & Opcodes.MOFFS) != 0) {
            d.mem = true;
            d.disp = d.imm;
            d.base = -1;
        }
        d.len = p - off;
        Op o = binder == null ? null : binder.bind(d);
        d.op = o == null ? UD : o;
        d.ends |= o == null || (form & Opcodes.END) != 0; // a binder may have set it
        return d.len;
    }

    private static int needMore(int n, Insn d) {
        return n < MAX_LEN ? NEED_MORE : tooLong(d);
    }

    private static int tooLong(Insn d) {
        d.op = TOO_LONG;
        d.len = MAX_LEN;
        d.ends = true;
        return MAX_LEN;
    }

    private static boolean isLegacyPrefix(int b) {
        return switch (b) {
            case 0xF0, 0xF2, 0xF3, 0x66, 0x67, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65 -> true;
            default -> false;
        };
    }

    /** Byte register index: without REX, encodings 4..7 name AH, CH, DH, BH (16..19). */
    private static int byteReg(int r, int rex) {
        return rex == 0 && r >= 4 && r < 8 ? r + 12 : r;
    }

    private static int le16(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8;
    }

    private static int le32(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (b[p + 3] & 0xFF) << 24;
    }

    private static long le64(byte[] b, int p) {
        return (le32(b, p) & 0xFFFFFFFFL) | ((long) le32(b, p + 4) << 32);
    }
}
