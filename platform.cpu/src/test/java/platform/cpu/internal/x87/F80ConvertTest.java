package platform.cpu.internal.x87;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static platform.cpu.internal.x87.F80Cases.ALL_CW;
import static platform.cpu.internal.x87.F80Cases.EDGE;
import static platform.cpu.internal.x87.F80Cases.SW_ALL;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import platform.cpu.internal.x87.F80.Reg;

/**
 * FLD/FST m32 and m64, FILD, FIST, FISTTP against the host x87; the m80
 * load/store round trip in Java.
 */
class F80ConvertTest {
    private static final String[] STORES = {"st32", "st64", "ist16", "ist32", "ist64", "istt16", "istt32", "istt64"};

    static final F80Cases.Impl IMPL = (op, cw, aSe, aM, bSe, bM, r1, r2) -> switch (op) {
        case "st32" -> F80Convert.toFloat32(aSe, aM, cw, r1);
        case "st64" -> F80Convert.toFloat64(aSe, aM, cw, r1);
        case "ist16" -> F80Convert.toInt(aSe, aM, cw, 16, r1);
        case "ist32" -> F80Convert.toInt(aSe, aM, cw, 32, r1);
        case "ist64" -> F80Convert.toInt(aSe, aM, cw, 64, r1);
        case "istt16" -> F80Convert.toIntTruncate(aSe, aM, 16, r1);
        case "istt32" -> F80Convert.toIntTruncate(aSe, aM, 32, r1);
        case "istt64" -> F80Convert.toIntTruncate(aSe, aM, 64, r1);
        case "ld32" -> F80Convert.fromFloat32((int) aM, r1);
        case "ld64" -> F80Convert.fromFloat64(aM, r1);
        case "ild16" -> {
            F80Convert.fromInt64((short) aM, r1);
            yield 0;
        }
        case "ild32" -> {
            F80Convert.fromInt64((int) aM, r1);
            yield 0;
        }
        case "ild64" -> {
            F80Convert.fromInt64(aM, r1);
            yield 0;
        }
        default -> throw new IllegalArgumentException(op);
    };

    @Test
    void edgeStores() {
        F80Cases c = new F80Cases();
        for (String op : STORES) {
            for (long[] a : EDGE) {
                for (int cw : ALL_CW) {
                    c.add(op, cw, (int) a[0], a[1], 0, 0);
                }
            }
        }
        c.check(IMPL, SW_ALL, false);
    }

    @Test
    void randomFloatStores() {
        SplittableRandom r = new SplittableRandom(21);
        F80Cases c = new F80Cases();
        for (int i = 0; i < 80_000; i++) {
            long[] a = F80Cases.operand(r);
            int se = (int) a[0];
            if (r.nextInt(3) != 0 && (se & 0x7FFF) != 0x7FFF && (se & 0x7FFF) != 0) {
                // exponents around the target format's overflow and underflow thresholds
                int[] limits = i % 2 == 0 ? new int[] {126, 127, 149, 150, 0} : new int[] {1022, 1023, 1074, 1075, 0};
                int l = limits[r.nextInt(limits.length)];
                se = (se & 0x8000) | (F80.BIAS + (r.nextBoolean() ? l : -l) + r.nextInt(9) - 4);
            }
            c.add(i % 2 == 0 ? "st32" : "st64", F80Cases.randomCw(r), se, a[1], 0, 0);
        }
        c.check(IMPL, SW_ALL, false);
    }

    @Test
    void randomIntegerStores() {
        SplittableRandom r = new SplittableRandom(22);
        F80Cases c = new F80Cases();
        int[] widths = {16, 32, 64};
        for (int i = 0; i < 60_000; i++) {
            long[] a = F80Cases.operand(r);
            int se = (int) a[0];
            int w = widths[i % 3];
            if (r.nextInt(4) != 0 && (se & 0x7FFF) != 0x7FFF && (se & 0x7FFF) != 0) {
                se = (se & 0x8000) | (F80.BIAS - 3 + r.nextInt(w + 4));
            }
            String op = (r.nextInt(3) == 0 ? "istt" : "ist") + w;
            c.add(op, F80Cases.randomCw(r), se, a[1], 0, 0);
        }
        c.check(IMPL, SW_ALL, false);
    }

    @Test
    void loads() {
        SplittableRandom r = new SplittableRandom(23);
        F80Cases c = new F80Cases();
        int[] f32 = {0, 0x80000000, 1, 0x807FFFFF, 0x00400000, 0x00800000, 0x3F800000, 0x7F7FFFFF, 0x7F800000,
            0xFF800000, 0x7FC00000, 0x7F800001, 0xFFBFFFFF, 0x7FFFFFFF};
        for (int v : f32) {
            c.addMem("ld32", 0x37F, v & 0xFFFFFFFFL);
        }
        long[] f64 = {0, Long.MIN_VALUE, 1, 0x800FFFFFFFFFFFFFL, 0x0008000000000000L, 0x0010000000000000L,
            0x3FF0000000000000L, 0x7FEFFFFFFFFFFFFFL, 0x7FF0000000000000L, 0xFFF0000000000000L,
            0x7FF8000000000000L, 0x7FF0000000000001L, 0xFFF7FFFFFFFFFFFFL, 0x7FFFFFFFFFFFFFFFL};
        for (long v : f64) {
            c.addMem("ld64", 0x37F, v);
        }
        long[] ints = {0, 1, -1, 0x7FFF, -0x8000, 0x7FFFFFFF, -0x80000000L, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long v : ints) {
            c.addMem("ild16", 0x37F, v & 0xFFFF);
            c.addMem("ild32", 0x37F, v & 0xFFFFFFFFL);
            c.addMem("ild64", 0x37F, v);
        }
        for (int i = 0; i < 30_000; i++) {
            int cw = F80Cases.randomCw(r);
            int bits = r.nextInt();
            if (r.nextInt(4) == 0) {
                bits &= 0x807FFFFF | (r.nextBoolean() ? 0 : 0x7F800000); // denormals, NaNs
            }
            c.addMem("ld32", cw, bits & 0xFFFFFFFFL);
            long b = r.nextLong();
            if (r.nextInt(4) == 0) {
                b &= 0x800FFFFFFFFFFFFFL | (r.nextBoolean() ? 0 : 0x7FF0000000000000L);
            }
            c.addMem("ld64", cw, b);
            long v = r.nextLong() >> r.nextInt(64);
            c.addMem("ild16", cw, v & 0xFFFF);
            c.addMem("ild32", cw, v & 0xFFFFFFFFL);
            c.addMem("ild64", cw, v);
        }
        c.check(IMPL, SW_ALL, false);
    }

    @Test
    void memoryFormatRoundTrip() {
        byte[] mem = new byte[12];
        Reg r = new Reg();
        F80Convert.store80(0xC000, 0x8123456789ABCDEFL, mem, 1);
        assertArrayEquals(new byte[] {0, (byte) 0xEF, (byte) 0xCD, (byte) 0xAB, (byte) 0x89, 0x67, 0x45, 0x23,
            (byte) 0x81, 0x00, (byte) 0xC0, 0}, mem);
        F80Convert.load80(mem, 1, r);
        assertEquals(0xC000, r.se);
        assertEquals(0x8123456789ABCDEFL, r.m);
        // Unsupported encodings load unchanged; using them raises IE.
        F80Convert.store80(0x3FFF, 0x4000000000000000L, mem, 0);
        F80Convert.load80(mem, 0, r);
        assertEquals(0x3FFF, r.se);
        assertEquals(0x4000000000000000L, r.m);
        assertEquals(F80.UNSUPPORTED, F80.classify(r.se, r.m));
        Reg out = new Reg();
        assertEquals(F80.IE, F80.add(r, r, F80.FCW_DEFAULT, out));
        assertEquals(F80.INDEFINITE_SE, out.se);
        assertEquals(F80.INDEFINITE_M, out.m);
    }
}
