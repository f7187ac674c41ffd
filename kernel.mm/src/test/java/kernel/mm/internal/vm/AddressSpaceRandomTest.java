package kernel.mm.internal.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import kernel.mm.AddressSpace;
import kernel.mm.Errno;
import kernel.mm.MapFlags;
import kernel.mm.Prot;
import kernel.mm.Vma;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random mmap(MAP_FIXED)/munmap/mprotect/mremap(MREMAP_FIXED)/write/read/fork sequences over a 96-page window,
 * checked page by page against a model, with the VMA invariants (sorted, disjoint, maximal
 * merging) and the page accounting after every step, and no leak at the end.
 */
@Timeout(120)
class AddressSpaceRandomTest extends VmTest {
    static final long BASE = 0x1000_0000L;
    static final int N = 96;
    static final long P = 4096;

    /** Model of one page: prot (-1 unmapped) and the value at its first word. */
    static final class Model {
        final int[] prot = new int[N];
        final long[] value = new long[N];

        Model() {
            java.util.Arrays.fill(prot, -1);
        }

        Model copy() {
            Model m = new Model();
            System.arraycopy(prot, 0, m.prot, 0, N);
            System.arraycopy(value, 0, m.value, 0, N);
            return m;
        }
    }

    static final int[] PROTS = {Prot.NONE, Prot.READ, Prot.READ | Prot.WRITE, Prot.READ | Prot.EXEC};

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void randomOperationsMatchTheModel(long seed) {
        Random rnd = new Random(seed);
        long free0 = pages.stats().freePages();
        AddressSpace as = vm.createAddressSpace();
        Model m = new Model();
        AddressSpace child = null;
        Model cm = null;
        for (int step = 0; step < 1500; step++) {
            int s = rnd.nextInt(N);
            int len = 1 + rnd.nextInt(Math.min(12, N - s));
            long va = BASE + s * P;
            String what;
            switch (rnd.nextInt(10)) {
                case 0, 1 -> {
                    int prot = PROTS[rnd.nextInt(PROTS.length)];
                    what = "mmap " + s + "+" + len + " " + prot;
                    assertEquals(va, as.mmap(va, len * P, prot, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED), what);
                    for (int i = s; i < s + len; i++) {
                        m.prot[i] = prot;
                        m.value[i] = 0;
                    }
                }
                case 2 -> {
                    what = "munmap " + s + "+" + len;
                    assertEquals(0, as.munmap(va, len * P), what);
                    for (int i = s; i < s + len; i++) {
                        m.prot[i] = -1;
                    }
                }
                case 3 -> {
                    int prot = PROTS[rnd.nextInt(PROTS.length)];
                    what = "mprotect " + s + "+" + len + " " + prot;
                    int expect = 0;
                    for (int i = s; i < s + len; i++) {
                        if (m.prot[i] < 0) {
                            expect = -Errno.ENOMEM;
                            break;
                        }
                        m.prot[i] = prot;
                    }
                    assertEquals(expect, as.mprotect(va, len * P, prot), what);
                }
                case 4, 5 -> {
                    long v = rnd.nextLong();
                    what = "write " + s;
                    boolean ok = m.prot[s] >= 0 && (m.prot[s] & Prot.WRITE) != 0;
                    byte[] b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(v).array();
                    assertEquals(ok ? 0 : -Errno.EFAULT, as.copyToUser(va, b, 0, 8), what);
                    if (ok) {
                        m.value[s] = v;
                    }
                }
                case 6 -> {
                    what = "read " + s;
                    readCheck(as, m, s, what);
                }
                case 7, 8 -> {
                    // MREMAP_FIXED move of a range inside one area (areas are the model's runs of equal prot)
                    int len2 = 1 + rnd.nextInt(12);
                    int t = rnd.nextInt(N - len2 + 1);
                    what = "mremap " + s + "+" + len + " -> " + t + "+" + len2;
                    boolean oneArea = m.prot[s] >= 0;
                    for (int i = s; i < s + Math.min(len, len2) && oneArea; i++) { // the tail is unmapped first
                        oneArea = m.prot[i] == m.prot[s];
                    }
                    boolean overlap = t < s + len && s < t + len2;
                    long r = as.mremap(va, len * P, len2 * P, MapFlags.MREMAP_MAYMOVE | MapFlags.MREMAP_FIXED, BASE + t * P);
                    if (overlap) {
                        assertEquals(-Errno.EINVAL, r, what);
                        break;
                    }
                    // Linux: the target is unmapped first, then the old tail beyond len2
                    for (int i = t; i < t + len2; i++) {
                        m.prot[i] = -1;
                    }
                    if (len > len2) {
                        for (int i = s + len2; i < s + len; i++) {
                            m.prot[i] = -1;
                        }
                    }
                    if (!oneArea) {
                        assertEquals(-Errno.EFAULT, r, what);
                        break;
                    }
                    assertEquals(BASE + t * P, r, what);
                    int prot = m.prot[s];
                    for (int i = 0; i < len2; i++) {
                        m.prot[t + i] = prot;
                        m.value[t + i] = i < len ? m.value[s + i] : 0;
                    }
                    for (int i = s; i < s + Math.min(len, len2); i++) {
                        m.prot[i] = -1;
                    }
                }
                default -> {
                    what = "fork";
                    if (child != null) {
                        for (int i = 0; i < N; i++) {
                            readCheck(child, cm, i, "child page " + i + " after parent changes");
                        }
                        child.close();
                    }
                    child = as.fork();
                    cm = m.copy();
                    assertEquals(as.vmas(), child.vmas(), "fork copies the layout");
                }
            }
            invariants(as, m, what + " (step " + step + ")");
        }
        if (child != null) {
            for (int i = 0; i < N; i++) {
                readCheck(child, cm, i, "child page " + i);
            }
            child.close();
        }
        for (int i = 0; i < N; i++) {
            readCheck(as, m, i, "final page " + i);
        }
        as.close();
        assertEquals(free0, pages.stats().freePages(), "no leak");
    }

    void readCheck(AddressSpace as, Model m, int page, String what) {
        byte[] b = new byte[8];
        boolean ok = m.prot[page] > 0; // mapped and accessible
        int r = as.copyFromUser(BASE + page * P, b, 0, 8);
        assertEquals(ok ? 0 : -Errno.EFAULT, r, what);
        if (ok) {
            assertEquals(m.value[page], java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(), what);
        }
    }

    void invariants(AddressSpace as, Model m, String what) {
        List<Vma> vmas = as.vmas();
        long prevEnd = 0;
        Vma prev = null;
        for (Vma v : vmas) {
            assertTrue(v.start() >= prevEnd && v.start() < v.end(), what + ": sorted, disjoint " + vmas);
            if (prev != null && prev.end() == v.start()) {
                assertTrue(prev.prot() != v.prot(), what + ": adjacent equal areas are merged " + vmas);
            }
            prev = v;
            prevEnd = v.end();
        }
        long resident = 0;
        for (int i = 0; i < N; i++) {
            long va = BASE + i * P;
            Vma v = as.findVma(va);
            if (m.prot[i] < 0) {
                assertEquals(null, v, what + ": page " + i + " unmapped");
                assertEquals(0, as.pte(va) & 1, what + ": no PTE for unmapped page " + i);
            } else {
                assertEquals(m.prot[i], v.prot(), what + ": page " + i + " prot");
            }
            long e = as.pte(va);
            if ((e & (Pte.P | Pte.PROTNONE)) != 0) {
                if (Pte.frame(e) == vm.zeroPage) {
                    assertEquals(0, e & Pte.RW, what + ": the zero page is never writable, page " + i);
                } else {
                    resident++; // as Linux's RSS: the shared zero page does not count
                }
                boolean writable = (e & Pte.RW) != 0;
                assertTrue(!writable || (m.prot[i] & Prot.WRITE) != 0, what + ": writable PTE only in a writable area, page " + i);
                assertEquals(m.prot[i] == Prot.NONE, (e & Pte.P) == 0, what + ": PROT_NONE pages not present, page " + i);
                assertEquals((m.prot[i] & Prot.EXEC) == 0, (e & Pte.NX) != 0, what + ": NX follows PROT_EXEC, page " + i);
            }
        }
        assertEquals(resident, as.residentPages(), what + ": resident count");
    }
}
