package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import platform.cpu.Exit;
import platform.cpu.Vectors;
import platform.cpu.internal.Core;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Instructions that leave user code or read the machine. Owns 0F 05 (SYSCALL), 0F 07
 * (SYSRET), F4 (HLT), CC/CD (INT3, INT n), 0F 0B (UD2), 0F A2 (CPUID), 0F 31 (RDTSC),
 * 0F 01 (RDTSCP, XGETBV; the rest is privileged), FA/FB (CLI, STI), FC/FD (CLD, STD), and the
 * port I/O instructions E4..E7, EC..EF, 6C..6F (IN, OUT, INS, OUTS), which raise #GP(0): user
 * code runs with IOPL 0 and no I/O permission bitmap, and the kernel is Java.
 */
final class Sys {
    private Sys() {}

    static void register(Opcodes t) {
        t.two(NP, 0x05, END, i -> Alu.noLock(i, Sys::syscall));
        t.two(NP, 0x07, END, i -> Alu.noLock(i, (c, d) -> {
            throw c.fault(c.cpl == 0 ? Vectors.UD : Vectors.GP, 0); // the kernel returns with Cpu.sysret()
        }));
        t.one(0xF4, END, i -> Alu.noLock(i, (c, d) -> {
            if (c.cpl != 0) {
                throw c.fault(Vectors.GP, 0);
            }
            c.exit = Exit.HLT;
            c.stop = true;
        }));
        t.one(0xCC, END, i -> Alu.noLock(i, (c, d) -> {
            throw c.trap(Vectors.BP);
        }));
        t.one(0xCD, IB | END, i -> {
            int n = (int) i.imm & 0xFF;
            return Alu.noLock(i, (c, d) -> {
                throw c.trap(n);
            });
        });
        t.two(NP, 0x0B, END, i -> null);
        t.two(NP, 0xA2, 0, i -> Alu.noLock(i, (c, d) -> Cpuid.run(c, 0)));
        t.two(NP, 0x31, 0, i -> Alu.noLock(i, (c, d) -> {
            if ((c.cr4 & 4) != 0 && c.cpl != 0) {
                throw c.fault(Vectors.GP, 0);
            }
            long tsc = c.tsc(d);
            c.r[0] = tsc & 0xFFFFFFFFL;
            c.r[2] = tsc >>> 32;
        }));
        t.two(NP, 0x01, MODRM, Sys::group7);
        t.one(0xFA, END, i -> Alu.noLock(i, (c, d) -> setIf(c, false)));
        t.one(0xFB, END, i -> Alu.noLock(i, (c, d) -> setIf(c, true)));
        for (int op : new int[] {0xE4, 0xE5, 0xE6, 0xE7, 0xEC, 0xED, 0xEE, 0xEF, 0x6C, 0x6D, 0x6E, 0x6F}) {
            t.one(op, ((op & 0xF8) == 0xE0 ? IB : 0) | END, i -> Alu.noLock(i, (c, d) -> {
                throw c.fault(Vectors.GP, 0);
            }));
        }
        t.one(0xFC, 0, i -> Alu.noLock(i, (c, d) -> c.rf &= ~0x400L));
        t.one(0xFD, 0, i -> Alu.noLock(i, (c, d) -> c.rf |= 0x400L));
    }

    /** SYSCALL: RCX = next RIP, R11 = RFLAGS, RIP = LSTAR, RFLAGS &= ~FMASK, CPL 0; exits to the kernel. */
    static void syscall(Core c, Insn d) {
        if ((c.efer & 1) == 0) {
            throw c.fault(Vectors.UD, 0);
        }
        long flags = c.rflags() & ~0x10000L; // RF
        c.r[1] = c.rip;
        c.r[11] = flags;
        c.setRflags(flags & ~c.fmask);
        c.rip = c.lstar;
        c.cpl = 0;
        c.exit = Exit.SYSCALL;
        c.stop = true;
    }

    private static void setIf(Core c, boolean on) {
        long iopl = (c.rf >> 12) & 3;
        if (c.cpl > iopl) {
            throw c.fault(Vectors.GP, 0);
        }
        c.rf = on ? c.rf | 0x200 : c.rf & ~0x200L;
    }

    /** 0F 01: only RDTSCP (F9) and XGETBV (D0) are reachable from user mode; the rest raise #GP (or #UD). */
    private static Op group7(Insn i) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int modrm = i.modrm;
        if (modrm == 0xF9) {
            return (c, d) -> {
                if ((c.cr4 & 4) != 0 && c.cpl != 0) {
                    throw c.fault(Vectors.GP, 0);
                }
                long tsc = c.tsc(d);
                c.r[0] = tsc & 0xFFFFFFFFL;
                c.r[2] = tsc >>> 32;
                c.r[1] = c.tscAux & 0xFFFFFFFFL;
            };
        }
        if (modrm == 0xD0) {
            return (c, d) -> {
                if ((c.cr4 & 0x40000) == 0) {
                    throw c.fault(Vectors.UD, 0);
                }
                if ((int) c.r[1] != 0) {
                    throw c.fault(Vectors.GP, 0);
                }
                c.r[0] = Cpuid.XCR0;
                c.r[2] = 0;
            };
        }
        i.ends = true;
        return (c, d) -> {
            throw c.fault(c.cpl == 0 ? Vectors.UD : Vectors.GP, 0);
        };
    }

}
