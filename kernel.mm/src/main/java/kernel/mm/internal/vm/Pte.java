package kernel.mm.internal.vm;

/**
 * x86-64 paging-structure entry bits as {@code platform.cpu}'s MMU honours them, plus the one
 * software bit kernel.mm uses.
 *
 * <p>Leaf (4 KiB) user entries: {@code P | US | A}, {@code RW | D} when writable now,
 * {@code NX} unless the mapping is executable. Copy-on-write pages are simply present without
 * RW in a writable private VMA (as Linux: no COW bit). A page of a {@code PROT_NONE} area keeps
 * its frame with P clear and {@link #PROTNONE} set (Linux's _PAGE_PROTNONE), so the contents
 * survive {@code mprotect(PROT_NONE)} and back. Intermediate entries are permissive
 * ({@code P | RW | US | A}, Linux's _PAGE_TABLE); the leaf decides.
 */
final class Pte {
    static final long P = 1, RW = 1 << 1, US = 1 << 2, PWT = 1 << 3, PCD = 1 << 4, A = 1 << 5, D = 1 << 6,
            PS = 1 << 7, G = 1 << 8, NX = 1L << 63;
    /** Software bit 9 (available to the OS): a PROT_NONE page, not present but still owning its frame. */
    static final long PROTNONE = 1 << 9;
    /** Bits 51:12: the frame. */
    static final long ADDR = 0x000F_FFFF_FFFF_F000L;
    static final long TABLE = P | RW | US | A;

    private Pte() {
    }

    /** True if the leaf entry owns a frame (present, or a PROT_NONE page). */
    static boolean used(long e) {
        return (e & (P | PROTNONE)) != 0;
    }

    static boolean present(long e) {
        return (e & P) != 0;
    }

    static long frame(long e) {
        return e & ADDR;
    }

    /** A leaf for {@code frame} with {@code prot} (kernel.mm.Prot bits); writable only if {@code writable}. */
    static long leaf(long frame, int prot, boolean writable) {
        if ((prot & (kernel.mm.Prot.READ | kernel.mm.Prot.WRITE | kernel.mm.Prot.EXEC)) == 0) {
            return frame | PROTNONE | NX;
        }
        long e = frame | P | US | A;
        if (writable && (prot & kernel.mm.Prot.WRITE) != 0) {
            e |= RW | D;
        }
        if ((prot & kernel.mm.Prot.EXEC) == 0) {
            e |= NX;
        }
        return e;
    }
}
