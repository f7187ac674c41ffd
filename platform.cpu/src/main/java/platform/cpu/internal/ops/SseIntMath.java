package platform.cpu.internal.ops;

/**
 * The lane arithmetic of the packed-integer instructions (SseInt), on 64-bit words: one
 * MMX register, or one half of an XMM register. Pure functions, no state.
 *
 * <p>Most are SIMD-within-a-register: bytes (words, dwords) are added with the carry out of
 * each lane's top bit suppressed, compares produce the lane's top bit and then spread it
 * over the lane ({@link #spread8}). Naming: 8/16/32/64 is the lane width in bits.
 *
 * <p>The opcode kinds ({@code K_*}) are the 0F opcode bytes, so {@link #lane} can switch on
 * them; kinds that need more than one 64-bit word of each operand (unpacks, packs, shifts
 * by a register count) are handled by the callers in SseInt.
 */
final class SseIntMath {
    private SseIntMath() {}

    static final long H8 = 0x8080_8080_8080_8080L, L8 = ~H8;
    static final long H16 = 0x8000_8000_8000_8000L, L16 = ~H16;
    static final long H32 = 0x8000_0000_8000_0000L, L32 = ~H32;
    static final long M32 = 0xFFFF_FFFFL;

    // opcode kinds (0F xx)
    static final int K_PUNPCKLBW = 0x60, K_PUNPCKLWD = 0x61, K_PUNPCKLDQ = 0x62, K_PACKSSWB = 0x63, K_PCMPGTB = 0x64,
            K_PCMPGTW = 0x65, K_PCMPGTD = 0x66, K_PACKUSWB = 0x67, K_PUNPCKHBW = 0x68, K_PUNPCKHWD = 0x69,
            K_PUNPCKHDQ = 0x6A, K_PACKSSDW = 0x6B, K_PUNPCKLQDQ = 0x6C, K_PUNPCKHQDQ = 0x6D,
            K_PCMPEQB = 0x74, K_PCMPEQW = 0x75, K_PCMPEQD = 0x76,
            K_PSRLW = 0xD1, K_PSRLD = 0xD2, K_PSRLQ = 0xD3, K_PADDQ = 0xD4, K_PMULLW = 0xD5, K_PSUBUSB = 0xD8,
            K_PSUBUSW = 0xD9, K_PMINUB = 0xDA, K_PAND = 0xDB, K_PADDUSB = 0xDC, K_PADDUSW = 0xDD, K_PMAXUB = 0xDE,
            K_PANDN = 0xDF, K_PAVGB = 0xE0, K_PSRAW = 0xE1, K_PSRAD = 0xE2, K_PAVGW = 0xE3, K_PMULHUW = 0xE4,
            K_PMULHW = 0xE5, K_PSUBSB = 0xE8, K_PSUBSW = 0xE9, K_PMINSW = 0xEA, K_POR = 0xEB, K_PADDSB = 0xEC,
            K_PADDSW = 0xED, K_PMAXSW = 0xEE, K_PXOR = 0xEF, K_PSLLW = 0xF1, K_PSLLD = 0xF2, K_PSLLQ = 0xF3,
            K_PMULUDQ = 0xF4, K_PMADDWD = 0xF5, K_PSADBW = 0xF6, K_PSUBB = 0xF8, K_PSUBW = 0xF9, K_PSUBD = 0xFA,
            K_PSUBQ = 0xFB, K_PADDB = 0xFC, K_PADDW = 0xFD, K_PADDD = 0xFE;

    /** The lane-wise operation {@code kind} on 64-bit words a (destination) and b (source). */
    static long lane(int kind, long a, long b) {
        return switch (kind) {
            case K_PCMPGTB -> gt8(a, b);
            case K_PCMPGTW -> gt16(a, b);
            case K_PCMPGTD -> gt32(a, b);
            case K_PCMPEQB -> eq8(a, b);
            case K_PCMPEQW -> eq16(a, b);
            case K_PCMPEQD -> eq32(a, b);
            case K_PADDQ -> a + b;
            case K_PMULLW -> mullw(a, b);
            case K_PSUBUSB -> subus8(a, b);
            case K_PSUBUSW -> subus16(a, b);
            case K_PMINUB -> minu8(a, b);
            case K_PAND -> a & b;
            case K_PADDUSB -> addus8(a, b);
            case K_PADDUSW -> addus16(a, b);
            case K_PMAXUB -> maxu8(a, b);
            case K_PANDN -> ~a & b;
            case K_PAVGB -> (a | b) - (((a ^ b) & 0xFEFE_FEFE_FEFE_FEFEL) >>> 1);
            case K_PAVGW -> (a | b) - (((a ^ b) & 0xFFFE_FFFE_FFFE_FFFEL) >>> 1);
            case K_PMULHUW -> mulhuw(a, b);
            case K_PMULHW -> mulhw(a, b);
            case K_PSUBSB -> subs8(a, b);
            case K_PSUBSW -> subs16(a, b);
            case K_PMINSW -> mins16(a, b);
            case K_POR -> a | b;
            case K_PADDSB -> adds8(a, b);
            case K_PADDSW -> adds16(a, b);
            case K_PMAXSW -> maxs16(a, b);
            case K_PXOR -> a ^ b;
            case K_PMULUDQ -> (a & M32) * (b & M32);
            case K_PMADDWD -> maddwd(a, b);
            case K_PSADBW -> sadbw(a, b);
            case K_PSUBB -> sub8(a, b);
            case K_PSUBW -> sub16(a, b);
            case K_PSUBD -> sub32(a, b);
            case K_PSUBQ -> a - b;
            case K_PADDB -> add8(a, b);
            case K_PADDW -> add16(a, b);
            case K_PADDD -> add32(a, b);
            default -> throw new IllegalArgumentException("not a lane-wise kind: " + Integer.toHexString(kind));
        };
    }

    // ---- lane masks --------------------------------------------------------------------

    /** Each byte of {@code hi} that has bit 7 set (and no other bit) becomes 0xFF. */
    static long spread8(long hi) {
        return (hi >>> 7) * 0xFF;
    }

    static long spread16(long hi) {
        return (hi >>> 15) * 0xFFFF;
    }

    static long spread32(long hi) {
        return (hi >>> 31) * M32;
    }

    // ---- add and subtract ----------------------------------------------------------------

    static long add8(long a, long b) {
        return ((a & L8) + (b & L8)) ^ ((a ^ b) & H8);
    }

    static long add16(long a, long b) {
        return ((a & L16) + (b & L16)) ^ ((a ^ b) & H16);
    }

    static long add32(long a, long b) {
        return ((a & L32) + (b & L32)) ^ ((a ^ b) & H32);
    }

    static long sub8(long a, long b) {
        return ((a | H8) - (b & L8)) ^ ((a ^ ~b) & H8);
    }

    static long sub16(long a, long b) {
        return ((a | H16) - (b & L16)) ^ ((a ^ ~b) & H16);
    }

    static long sub32(long a, long b) {
        return ((a | H32) - (b & L32)) ^ ((a ^ ~b) & H32);
    }

    /** Top bit of each byte: set where the byte add a + b carries out. */
    private static long carry8(long a, long b, long sum) {
        return ((a & b) | ((a | b) & ~sum)) & H8;
    }

    /** Top bit of each byte: set where a &lt; b unsigned (the subtraction a - b borrows). */
    static long borrow8(long a, long b, long diff) {
        return ((~a & b) | ((~a | b) & diff)) & H8;
    }

    static long addus8(long a, long b) {
        long s = add8(a, b);
        return s | spread8(((a & b) | ((a | b) & ~s)) & H8);
    }

    static long addus16(long a, long b) {
        long s = add16(a, b);
        return s | spread16(((a & b) | ((a | b) & ~s)) & H16);
    }

    static long subus8(long a, long b) {
        long d = sub8(a, b);
        return d & ~spread8(borrow8(a, b, d));
    }

    static long subus16(long a, long b) {
        long d = sub16(a, b);
        return d & ~spread16(((~a & b) | ((~a | b) & d)) & H16);
    }

    /** Signed saturation: lanes that overflowed (top bit of {@code ov}) get 0x7F.. or 0x80.. by the sign of a. */
    static long adds8(long a, long b) {
        long s = add8(a, b);
        long m = spread8(~(a ^ b) & (a ^ s) & H8);
        return (s & ~m) | ((L8 ^ spread8(a & H8)) & m);
    }

    static long subs8(long a, long b) {
        long d = sub8(a, b);
        long m = spread8((a ^ b) & (a ^ d) & H8);
        return (d & ~m) | ((L8 ^ spread8(a & H8)) & m);
    }

    static long adds16(long a, long b) {
        long s = add16(a, b);
        long m = spread16(~(a ^ b) & (a ^ s) & H16);
        return (s & ~m) | ((L16 ^ spread16(a & H16)) & m);
    }

    static long subs16(long a, long b) {
        long d = sub16(a, b);
        long m = spread16((a ^ b) & (a ^ d) & H16);
        return (d & ~m) | ((L16 ^ spread16(a & H16)) & m);
    }

    // ---- compare, min, max ---------------------------------------------------------------

    static long eq8(long a, long b) {
        long x = a ^ b;
        long nz = ((x & L8) + L8) | x; // top bit of each byte: byte != 0
        return spread8(~nz & H8);
    }

    static long eq16(long a, long b) {
        long x = a ^ b;
        long nz = ((x & L16) + L16) | x;
        return spread16(~nz & H16);
    }

    static long eq32(long a, long b) {
        long x = a ^ b;
        long nz = ((x & L32) + L32) | x;
        return spread32(~nz & H32);
    }

    /** Bytes where a &lt; b unsigned: 0xFF. */
    static long ltu8(long a, long b) {
        return spread8(borrow8(a, b, sub8(a, b)));
    }

    static long ltu16(long a, long b) {
        long d = sub16(a, b);
        return spread16(((~a & b) | ((~a | b) & d)) & H16);
    }

    static long gt8(long a, long b) {
        return ltu8(b ^ H8, a ^ H8);
    }

    static long gt16(long a, long b) {
        return ltu16(b ^ H16, a ^ H16);
    }

    static long gt32(long a, long b) {
        long lo = (int) a > (int) b ? M32 : 0;
        long hi = (a >> 32) > (b >> 32) ? ~M32 : 0;
        return lo | hi;
    }

    static long minu8(long a, long b) {
        long m = ltu8(a, b);
        return (a & m) | (b & ~m);
    }

    static long maxu8(long a, long b) {
        long m = ltu8(a, b);
        return (b & m) | (a & ~m);
    }

    static long mins16(long a, long b) {
        long m = gt16(b, a); // a < b
        return (a & m) | (b & ~m);
    }

    static long maxs16(long a, long b) {
        long m = gt16(a, b);
        return (a & m) | (b & ~m);
    }

    // ---- multiply ------------------------------------------------------------------------

    static long mullw(long a, long b) {
        long r = 0;
        for (int s = 0; s < 64; s += 16) {
            r |= (((a >>> s) * (b >>> s)) & 0xFFFF) << s;
        }
        return r;
    }

    static long mulhw(long a, long b) {
        long r = 0;
        for (int s = 0; s < 64; s += 16) {
            int p = (short) (a >>> s) * (short) (b >>> s);
            r |= (long) ((p >>> 16) & 0xFFFF) << s;
        }
        return r;
    }

    static long mulhuw(long a, long b) {
        long r = 0;
        for (int s = 0; s < 64; s += 16) {
            long p = ((a >>> s) & 0xFFFF) * ((b >>> s) & 0xFFFF);
            r |= ((p >>> 16) & 0xFFFF) << s;
        }
        return r;
    }

    /** Two dwords, each the sum of two signed word products (0x8000*0x8000*2 wraps to 0x80000000). */
    static long maddwd(long a, long b) {
        int lo = (short) a * (short) b + (short) (a >>> 16) * (short) (b >>> 16);
        int hi = (short) (a >>> 32) * (short) (b >>> 32) + (short) (a >>> 48) * (short) (b >>> 48);
        return (lo & M32) | ((long) hi << 32);
    }

    /** Sum of the absolute differences of the eight bytes, in the low word. */
    static long sadbw(long a, long b) {
        long sum = 0;
        for (int s = 0; s < 64; s += 8) {
            sum += Math.abs((int) ((a >>> s) & 0xFF) - (int) ((b >>> s) & 0xFF));
        }
        return sum;
    }

    // ---- shifts (count: the unsigned 64-bit count; lanes shift out to 0 or to sign) -----------

    static long sll16(long a, long n) {
        if (Long.compareUnsigned(n, 15) > 0) {
            return 0;
        }
        int k = (int) n;
        return (a << k) & ((0xFFFFL << k & 0xFFFF) * 0x0001_0001_0001_0001L);
    }

    static long srl16(long a, long n) {
        if (Long.compareUnsigned(n, 15) > 0) {
            return 0;
        }
        int k = (int) n;
        return (a >>> k) & ((0xFFFFL >>> k) * 0x0001_0001_0001_0001L);
    }

    static long sra16(long a, long n) {
        int k = Long.compareUnsigned(n, 15) > 0 ? 15 : (int) n;
        long keep = (0xFFFFL >>> k) * 0x0001_0001_0001_0001L;
        return ((a >>> k) & keep) | (spread16(a & H16) & ~keep);
    }

    static long sll32(long a, long n) {
        if (Long.compareUnsigned(n, 31) > 0) {
            return 0;
        }
        int k = (int) n;
        return (a << k) & ((M32 << k & M32) * 0x1_0000_0001L);
    }

    static long srl32(long a, long n) {
        if (Long.compareUnsigned(n, 31) > 0) {
            return 0;
        }
        int k = (int) n;
        return (a >>> k) & ((M32 >>> k) * 0x1_0000_0001L);
    }

    static long sra32(long a, long n) {
        int k = Long.compareUnsigned(n, 31) > 0 ? 31 : (int) n;
        return (((int) a >> k) & M32) | ((long) ((int) (a >>> 32) >> k) << 32);
    }

    static long sll64(long a, long n) {
        return Long.compareUnsigned(n, 63) > 0 ? 0 : a << n;
    }

    static long srl64(long a, long n) {
        return Long.compareUnsigned(n, 63) > 0 ? 0 : a >>> n;
    }

    /** Shift kinds by opcode (D1..F3 and the immediate groups map onto these). */
    static long shift(int kind, long a, long n) {
        return switch (kind) {
            case K_PSRLW -> srl16(a, n);
            case K_PSRLD -> srl32(a, n);
            case K_PSRLQ -> srl64(a, n);
            case K_PSRAW -> sra16(a, n);
            case K_PSRAD -> sra32(a, n);
            case K_PSLLW -> sll16(a, n);
            case K_PSLLD -> sll32(a, n);
            default -> sll64(a, n); // K_PSLLQ
        };
    }

    static boolean isShift(int kind) {
        return switch (kind) {
            case K_PSRLW, K_PSRLD, K_PSRLQ, K_PSRAW, K_PSRAD, K_PSLLW, K_PSLLD, K_PSLLQ -> true;
            default -> false;
        };
    }

    // ---- interleave and pack ---------------------------------------------------------------

    /** Bytes a0 b0 a1 b1 a2 b2 a3 b3 from the low four bytes of a and b. */
    static long ilv8(long a, long b) {
        return spreadBytes(a) | spreadBytes(b) << 8;
    }

    private static long spreadBytes(long x) {
        return (x & 0xFF) | (x & 0xFF00) << 8 | (x & 0xFF_0000) << 16 | (x & 0xFF00_0000L) << 24;
    }

    /** Words a0 b0 a1 b1 from the low two words of a and b. */
    static long ilv16(long a, long b) {
        return (a & 0xFFFF) | (b & 0xFFFF) << 16 | (a & 0xFFFF_0000L) << 16 | (b & 0xFFFF_0000L) << 32;
    }

    /** Dwords a0 b0. */
    static long ilv32(long a, long b) {
        return (a & M32) | b << 32;
    }

    /** The four words of x as signed-saturated bytes, in the low 32 bits. */
    static long packss16(long x) {
        long r = 0;
        for (int k = 0; k < 4; k++) {
            int v = (short) (x >>> (16 * k));
            v = v > 127 ? 127 : v < -128 ? -128 : v;
            r |= (long) (v & 0xFF) << (8 * k);
        }
        return r;
    }

    /** The four signed words of x as unsigned-saturated bytes, in the low 32 bits. */
    static long packus16(long x) {
        long r = 0;
        for (int k = 0; k < 4; k++) {
            int v = (short) (x >>> (16 * k));
            v = v > 255 ? 255 : v < 0 ? 0 : v;
            r |= (long) v << (8 * k);
        }
        return r;
    }

    /** The two dwords of x as signed-saturated words, in the low 32 bits. */
    static long packss32(long x) {
        int lo = (int) x, hi = (int) (x >>> 32);
        lo = lo > 32767 ? 32767 : lo < -32768 ? -32768 : lo;
        hi = hi > 32767 ? 32767 : hi < -32768 ? -32768 : hi;
        return (lo & 0xFFFF) | (long) (hi & 0xFFFF) << 16;
    }

    static long pack(int kind, long x) {
        return switch (kind) {
            case K_PACKSSWB -> packss16(x);
            case K_PACKUSWB -> packus16(x);
            default -> packss32(x); // K_PACKSSDW
        };
    }

    /** The interleave of the low (or, with {@code high}, high) 32 bits of a and b by element kind. */
    static long unpack(int kind, long a, long b) {
        return switch (kind) {
            case K_PUNPCKLBW, K_PUNPCKHBW -> ilv8(a, b);
            case K_PUNPCKLWD, K_PUNPCKHWD -> ilv16(a, b);
            default -> ilv32(a, b);
        };
    }

    // ---- shuffles and masks -------------------------------------------------------------------

    /** The top bit of each byte, gathered: bit k is bit 7 of byte k. */
    static int movmskb(long x) {
        return (int) (((x & H8) * 0x0002_0408_1020_4081L) >>> 56) & 0xFF;
    }

    /** The four words of x picked by the four 2-bit fields of imm (PSHUFW, PSHUFLW, PSHUFHW). */
    static long shufw(long x, int imm) {
        long r = 0;
        for (int k = 0; k < 4; k++) {
            r |= ((x >>> (16 * ((imm >> (2 * k)) & 3))) & 0xFFFF) << (16 * k);
        }
        return r;
    }

    /** Dword k (0..3) of the 128-bit value hi:lo. */
    static long dword(long lo, long hi, int k) {
        return ((k < 2 ? lo : hi) >>> (32 * (k & 1))) & M32;
    }
}
