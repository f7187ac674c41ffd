package platform.cpu;

/** Exception vector numbers (Intel SDM vol. 3, table 6-1). */
public final class Vectors {
    public static final int DE = 0;   // divide error
    public static final int DB = 1;   // debug
    public static final int NMI = 2;
    public static final int BP = 3;   // breakpoint (INT3)
    public static final int OF = 4;   // overflow (INTO; #UD in 64-bit mode)
    public static final int BR = 5;   // bound range
    public static final int UD = 6;   // invalid opcode
    public static final int NM = 7;   // device not available
    public static final int DF = 8;   // double fault
    public static final int TS = 10;  // invalid TSS
    public static final int NP = 11;  // segment not present
    public static final int SS = 12;  // stack-segment fault
    public static final int GP = 13;  // general protection
    public static final int PF = 14;  // page fault
    public static final int MF = 16;  // x87 floating-point error
    public static final int AC = 17;  // alignment check
    public static final int MC = 18;  // machine check
    public static final int XM = 19;  // SIMD floating-point exception

    /** #PF error code bits. */
    public static final int PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_I = 16;

    private Vectors() {}

    /** The mnemonic of a vector, e.g. "#PF". */
    public static String name(int vector) {
        return switch (vector) {
            case DE -> "#DE"; case DB -> "#DB"; case NMI -> "NMI"; case BP -> "#BP"; case OF -> "#OF";
            case BR -> "#BR"; case UD -> "#UD"; case NM -> "#NM"; case DF -> "#DF"; case TS -> "#TS";
            case NP -> "#NP"; case SS -> "#SS"; case GP -> "#GP"; case PF -> "#PF"; case MF -> "#MF";
            case AC -> "#AC"; case MC -> "#MC"; case XM -> "#XM";
            default -> "vector " + vector;
        };
    }
}
