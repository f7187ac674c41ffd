package platform.cpu.internal.ops;

import platform.cpu.internal.Core;

/**
 * What CPUID reports: a plain x86-64 baseline CPU (x86-64-v1) with exactly the extensions
 * this interpreter implements, nothing more. Change a bit here only together with the
 * instructions it announces.
 *
 * <p>Leaves: 0 (vendor "KestrelCPU64", max leaf 0xD), 1 (family 6 model 2; features below),
 * 7 (none), 0xD (XSAVE: x87 and SSE state), 0x80000000..0x80000004 (brand string),
 * 0x80000001 (LM, NX, SYSCALL, RDTSCP, 1 GiB pages, LAHF/SAHF), 0x80000008 (46 physical
 * and 48 linear address bits). Other leaves, and leaves above the maximum, read as zero.
 */
public final class Cpuid {
    public static final String VENDOR = "KestrelCPU64";
    public static final String BRAND = "Kestrel x86-64 interpreter";

    /** CPUID.1:EDX: FPU PSE TSC PAE CX8 APIC PGE CMOV CLFSH MMX FXSR SSE SSE2. */
    public static final int LEAF1_EDX = 1 | 1 << 3 | 1 << 4 | 1 << 6 | 1 << 8 | 1 << 9 | 1 << 13 | 1 << 15
            | 1 << 19 | 1 << 23 | 1 << 24 | 1 << 25 | 1 << 26;
    /** CPUID.1:ECX: CX16, POPCNT, XSAVE (OSXSAVE is added when CR4.OSXSAVE is set). */
    public static final int LEAF1_ECX = 1 << 13 | 1 << 23 | 1 << 26;
    /** CPUID.80000001:EDX: SYSCALL, NX, Page1GB, RDTSCP, LM. */
    public static final int EXT1_EDX = 1 << 11 | 1 << 20 | 1 << 26 | 1 << 27 | 1 << 29;
    /** CPUID.80000001:ECX: LAHF/SAHF in 64-bit mode, LZCNT ("ABM"; BMI1, and so TZCNT, is not announced). */
    public static final int EXT1_ECX = 1 | 1 << 5;
    /** XCR0 bits supported: x87 and SSE. */
    public static final long XCR0 = 3;
    /** XSAVE area size for x87 + SSE: legacy region and header. */
    public static final int XSAVE_SIZE = 576;

    private Cpuid() {}

    /** Runs CPUID for leaf EAX, subleaf ECX; writes EAX, EBX, ECX, EDX (zero-extended). */
    public static void run(Core c, int apicId) {
        int leaf = (int) c.r[0];
        int sub = (int) c.r[1];
        int a = 0, b = 0, cx = 0, d = 0;
        switch (leaf) {
            case 0 -> {
                a = 0xD;
                b = word(VENDOR, 0);
                d = word(VENDOR, 4);
                cx = word(VENDOR, 8);
            }
            case 1 -> {
                a = 0x621; // family 6, model 2, stepping 1
                b = 8 << 8 | 1 << 16 | apicId << 24; // CLFLUSH line 64 bytes, 1 logical processor
                cx = LEAF1_ECX | ((c.cr4 & 0x40000) != 0 ? 1 << 27 : 0);
                d = LEAF1_EDX;
            }
            case 0xD -> {
                if (sub == 0) {
                    a = (int) XCR0;
                    b = XSAVE_SIZE;
                    cx = XSAVE_SIZE;
                } else if (sub == 1) {
                    a = 0; // no XSAVEOPT, XSAVEC, XGETBV1, XSAVES
                }
            }
            case 0x80000000 -> a = 0x80000008;
            case 0x80000001 -> {
                cx = EXT1_ECX;
                d = EXT1_EDX;
            }
            case 0x80000002, 0x80000003, 0x80000004 -> {
                int base = (leaf - 0x80000002) * 16;
                a = word(BRAND, base);
                b = word(BRAND, base + 4);
                cx = word(BRAND, base + 8);
                d = word(BRAND, base + 12);
            }
            case 0x80000008 -> a = 46 | 48 << 8;
            default -> { }
        }
        c.r[0] = a & 0xFFFFFFFFL;
        c.r[3] = b & 0xFFFFFFFFL;
        c.r[1] = cx & 0xFFFFFFFFL;
        c.r[2] = d & 0xFFFFFFFFL;
    }

    /** Four characters of {@code s} from {@code at} as a little-endian register value (NUL-padded). */
    private static int word(String s, int at) {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int ch = at + k < s.length() ? s.charAt(at + k) : 0;
            v |= ch << (8 * k);
        }
        return v;
    }
}
