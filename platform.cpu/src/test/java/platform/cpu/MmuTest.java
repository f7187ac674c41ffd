package platform.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static platform.cpu.UserSpace.DATA;
import static platform.cpu.UserSpace.NX;
import static platform.cpu.UserSpace.P;
import static platform.cpu.UserSpace.RW;
import static platform.cpu.UserSpace.US;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * The MMU against the architecture: 4-level walks, accessed and dirty bits, page-fault error
 * codes and CR2, large pages, the TLB's (deliberate) staleness until INVLPG or a CR3 write,
 * global pages, non-canonical addresses, faults in accesses that cross a page, and
 * self-modifying code.
 */
class MmuTest {
    static final long A = 0x20, D = 0x40, G = 0x100, PS = 0x80;
    static final long ADDR = 0x000F_FFFF_FFFF_F000L;

    /** Runs one instruction sequence and expects it to fault at its first instruction. */
    private static void expectFault(UserSpace u, int vector, int error) {
        Exit e = u.run(100);
        assertEquals(Exit.EXCEPTION, e, "expected an exception");
        assertEquals(vector, u.cpu.vector(), "vector " + Vectors.name(u.cpu.vector()));
        assertEquals(error, u.cpu.errorCode(), "error code");
        assertEquals(UserSpace.CODE, u.cpu.rip(), "RIP points at the faulting instruction");
    }

    @Test
    void accessedAndDirtyBitsAreSetLikeHardware() {
        try (UserSpace u = new UserSpace().load("""
                mov rax, [0x600000]
                syscall
                mov qword [0x600008], 5
                syscall
                """)) {
            assertEquals(0, u.pte(DATA) & (A | D));
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(A, u.pte(DATA) & (A | D), "a read sets A only");
            u.cpu.sysret();
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(A | D, u.pte(DATA) & (A | D), "a write sets D");
        }
    }

    @Test
    void notPresentReadFaultsWithCr2AndUserBit() {
        try (UserSpace u = new UserSpace().load("mov rax, [0x12345678]\nsyscall")) {
            u.cpu.setReg(CpuState.RAX, 77);
            expectFault(u, Vectors.PF, Vectors.PF_U);
            assertEquals(0x12345678L, u.cpu.cr2());
            assertEquals(77, u.cpu.reg(CpuState.RAX), "nothing committed");
        }
    }

    @Test
    void writeToReadOnlyPage() {
        try (UserSpace u = new UserSpace().load("mov byte [0x700010], 1\nsyscall")) {
            u.map(0x700000, 4096, P | US);
            expectFault(u, Vectors.PF, Vectors.PF_P | Vectors.PF_W | Vectors.PF_U);
            assertEquals(0x700010L, u.cpu.cr2());
        }
    }

    @Test
    void userAccessToSupervisorPage() {
        try (UserSpace u = new UserSpace().load("mov rax, [0x700000]\nsyscall")) {
            u.map(0x700000, 4096, P | RW);
            expectFault(u, Vectors.PF, Vectors.PF_P | Vectors.PF_U);
        }
    }

    @Test
    void fetchFromNoExecutePage() {
        try (UserSpace u = new UserSpace().load("jmp 0x600000")) {
            assertEquals(Exit.EXCEPTION, u.run(10));
            assertEquals(Vectors.PF, u.cpu.vector());
            assertEquals(Vectors.PF_P | Vectors.PF_U | Vectors.PF_I, u.cpu.errorCode());
            assertEquals(DATA, u.cpu.cr2());
            assertEquals(DATA, u.cpu.rip());
        }
    }

    @Test
    void reservedBitInAnEntryIsReported() {
        try (UserSpace u = new UserSpace().load("mov rax, [0x700000]\nsyscall")) {
            u.map(0x700000, 4096, P | RW | US);
            long pa = u.phys(0x700000);
            u.mapPage(0x700000, pa | (1L << 50), P | RW | US); // above MAXPHYADDR
            expectFault(u, Vectors.PF, Vectors.PF_P | Vectors.PF_U | Vectors.PF_RSVD);
        }
    }

    @Test
    void nonCanonicalAddressIsGeneralProtection() {
        try (UserSpace u = new UserSpace().load("mov rax, 0x0000800000000000\nmov rbx, [rax]\nsyscall")) {
            assertEquals(Exit.EXCEPTION, u.run(10));
            assertEquals(Vectors.GP, u.cpu.vector());
            assertEquals(UserSpace.CODE + 10, u.cpu.rip());
        }
    }

    @Test
    void largePagesOfTwoMegabytesAndOneGigabyte() {
        try (UserSpace u = new UserSpace(64 << 20).load("""
                mov rsi, 0x40000123456
                mov rax, [rsi]
                mov rsi, 0x80000012345
                mov rbx, [rsi]
                syscall
                """)) {
            var ram = u.mem.ram();
            // a 2 MiB page at linear 0x400_0000_0000 -> physical 32 MiB, via a PDE with PS
            long pdpt = 0x30_0000, pd = 0x30_1000;
            ram.set(UserSpace.LE64, u.cr3PlusIndex(0x40000000000L), pdpt | P | RW | US);
            ram.set(UserSpace.LE64, pdpt, pd | P | RW | US);
            ram.set(UserSpace.LE64, pd, (32L << 20) | PS | P | RW | US);
            ram.set(UserSpace.LE64, (32L << 20) + 0x123456, 0x1111L);
            // a 1 GiB page at linear 0x800_0000_0000 -> physical 0, via a PDPTE with PS
            long pdpt2 = 0x30_2000;
            ram.set(UserSpace.LE64, u.cr3PlusIndex(0x80000000000L), pdpt2 | P | RW | US);
            ram.set(UserSpace.LE64, pdpt2, PS | P | RW | US);
            ram.set(UserSpace.LE64, 0x12345L, 0x2222L);
            Exit e = u.run(10);
            assertEquals(Exit.SYSCALL, e, () -> Vectors.name(u.cpu.vector()) + " err=" + u.cpu.errorCode()
                    + " cr2=" + Long.toHexString(u.cpu.cr2()) + " rip=" + Long.toHexString(u.cpu.rip()));
            assertEquals(0x1111L, u.cpu.reg(CpuState.RAX));
            assertEquals(0x2222L, u.cpu.reg(CpuState.RBX));
            assertEquals(A, ram.get(UserSpace.LE64, pd) & (A | D), "A set on the 2 MiB leaf");
        }
    }

    @Test
    void tlbIsStaleUntilInvlpgOrCr3Write() {
        try (UserSpace u = new UserSpace().load("mov rax, [0x700000]\nsyscall\nmov rax, [0x700000]\nsyscall\nmov rax, [0x700000]\nsyscall")) {
            long first = u.map(0x700000, 4096, P | RW | US);
            long second = u.map(0x800000, 4096, P | RW | US);
            u.mem.ram().set(UserSpace.LE64, first, 1L);
            u.mem.ram().set(UserSpace.LE64, second, 2L);
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(1, u.cpu.reg(CpuState.RAX));
            u.mapPage(0x700000, second, P | RW | US); // remap without telling the CPU
            u.cpu.sysret();
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(1, u.cpu.reg(CpuState.RAX), "a TLB hit still sees the old translation");
            u.cpu.invlpg(0x700000);
            u.cpu.sysret();
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(2, u.cpu.reg(CpuState.RAX), "after INVLPG the new translation");
        }
    }

    @Test
    void globalPagesSurviveACr3Write() {
        try (UserSpace u = new UserSpace().load("mov rax, [0x700000]\nmov rbx, [0x701000]\nsyscall\nmov rax, [0x700000]\nmov rbx, [0x701000]\nsyscall")) {
            long global = u.map(0x700000, 4096, P | RW | US | G);
            long local = u.map(0x701000, 4096, P | RW | US);
            long other = u.map(0x900000, 4096, P | RW | US);
            u.mem.ram().set(UserSpace.LE64, global, 1L);
            u.mem.ram().set(UserSpace.LE64, local, 2L);
            u.mem.ram().set(UserSpace.LE64, other, 3L);
            assertEquals(Exit.SYSCALL, u.run(10));
            u.mapPage(0x700000, other, P | RW | US | G);
            u.mapPage(0x701000, other, P | RW | US);
            u.cpu.setCr3(u.cpu.cr3()); // MOV CR3, CR3 with CR4.PGE set
            u.cpu.sysret();
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(1, u.cpu.reg(CpuState.RAX), "global entry kept");
            assertEquals(3, u.cpu.reg(CpuState.RBX), "non-global entry flushed");
        }
    }

    @Test
    void faultingStoreAcrossAPageChangesNothing() {
        try (UserSpace u = new UserSpace().load("mov rax, -1\nmov [0x60fffc], rax\nsyscall")) {
            // DATA is 64 KiB: 0x600000..0x60ffff; the next page is unmapped
            assertEquals(Exit.EXCEPTION, u.run(10));
            assertEquals(Vectors.PF, u.cpu.vector());
            assertEquals(0x610000L, u.cpu.cr2(), "CR2 is the first byte of the unmapped page");
            assertEquals(Vectors.PF_W | Vectors.PF_U, u.cpu.errorCode());
            assertEquals(0, u.mem.ram().get(ValueLayout.JAVA_INT_UNALIGNED, u.phys(0x60fffc)), "no partial store");
        }
    }

    @Test
    void selfModifyingCodeRunsTheNewInstruction() {
        // the code page must be writable; the store rewrites the immediate of the next instruction
        try (UserSpace u = new UserSpace()) {
            byte[] code = Asm.assemble("""
                    mov byte [rel patch + 1], 42
                patch:
                    mov al, 7
                    syscall
                    """, UserSpace.CODE);
            u.map(UserSpace.CODE, 4096, P | RW | US);
            u.poke(UserSpace.CODE, code);
            u.map(UserSpace.STACK_TOP - 4096, 4096, P | RW | US | NX);
            u.cpu.setRip(UserSpace.CODE);
            for (int round = 0; round < 2; round++) { // the second round runs from decoded code
                assertEquals(Exit.SYSCALL, u.run(10));
                assertEquals(42, u.cpu.reg(CpuState.RAX) & 0xFF);
                u.poke(UserSpace.CODE + 7 + 1, new byte[] {7});
                u.cpu.codeCache().invalidate(u.phys(UserSpace.CODE), 4096); // an outside writer tells the CPU
                u.cpu.setRip(UserSpace.CODE);
                u.cpu.sysret();
                u.cpu.setRip(UserSpace.CODE);
            }
        }
    }

    @Test
    void outsideWritesNeedAnInvalidation() {
        try (UserSpace u = new UserSpace().load("mov eax, 1\nsyscall")) {
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(1, u.cpu.reg(CpuState.RAX));
            assertTrue(u.cpu.codeCache().pages() > 0);
            u.poke(UserSpace.CODE + 1, new byte[] {9});
            assertTrue(u.cpu.codeCache().invalidate(u.phys(UserSpace.CODE), 4096));
            u.cpu.sysret();
            u.cpu.setRip(UserSpace.CODE);
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(9, u.cpu.reg(CpuState.RAX));
            assertNotEquals(0, u.cpu.retired());
        }
    }

    @Test
    void invlpgOfACodePageDropsItsDecodedBlocksButADataPageKeepsThem() {
        try (UserSpace u = new UserSpace()) {
            long va = 0x700000;
            long first = u.map(va, 4096, P | RW | US);
            long second = u.map(0x800000, 4096, P | RW | US);
            u.map(UserSpace.STACK_TOP - 4096, 4096, P | RW | US | NX);
            long data = u.map(0x900000, 4096, P | RW | US | NX);
            u.poke(va, Asm.assemble("mov eax, 1\nsyscall", va));
            u.poke(0x800000, Asm.assemble("mov eax, 2\nsyscall", va));
            u.cpu.setRip(va);
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(1, u.cpu.reg(CpuState.RAX));

            u.cpu.invlpg(0x900000); // a data page: nothing decoded there
            u.cpu.sysret();
            u.cpu.setRip(va);
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(1, u.cpu.reg(CpuState.RAX));

            u.mapPage(va, second, P | RW | US); // the code page now maps other code
            u.cpu.invlpg(va);
            u.cpu.sysret();
            u.cpu.setRip(va);
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(2, u.cpu.reg(CpuState.RAX), "after INVLPG the new page's code runs, not the cached block");
            assertNotEquals(first, data);
        }
    }
}
