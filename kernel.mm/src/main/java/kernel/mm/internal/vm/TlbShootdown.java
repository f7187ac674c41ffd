package kernel.mm.internal.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import kernel.core.hal.Hal;
import kernel.core.hal.IrqVector;
import platform.cpu.Cpu;
import platform.pc.LocalApic;
import platform.pc.Vcpu;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLB shootdown ({@code flush_tlb_mm_range} / {@code native_flush_tlb_multi}): invalidates a
 * range of one address space on every vCPU it is active on, and returns only when all have.
 *
 * <p>Protocol. The sender has already changed the page tables. It flushes its own vCPU
 * directly (if the address space is active there); for every other target it queues a
 * {@link Request} in that vCPU's mailbox and sends a fixed IPI by writing the ICR of its own
 * local APIC (or the BSP's when the sender is not a vCPU thread, serialised per APIC since
 * ICR high/low are two writes). The target takes the interrupt between user instructions or
 * in its idle loop, runs the handler on its own thread (the only thread allowed to touch its
 * {@link Cpu}), which drains its mailbox: {@code invlpg} for each page of a small range, a
 * full flush above {@link #FULL_FLUSH_PAGES} pages (Linux's tlb_single_page_flush_ceiling,
 * 33), then counts the request down. The sender waits for the count to reach zero; while it
 * waits on a vCPU thread it services its own interrupts (as Linux spins with interrupts
 * enabled), so two vCPUs shooting at each other cannot deadlock. A target that is offline is
 * skipped; one that does not answer within {@link #TIMEOUT_NANOS} is logged and left to flush
 * at its next {@code activate} (full CR3 reload).
 *
 * <p>Vectors. The HAL's {@code Interrupts.allocate} hands out (cpu, vector) pairs round-robin
 * over CPUs; kernel.mm allocates until it holds one vector per vCPU, so the IPI to vCPU
 * {@code n} uses the vector registered on {@code n} (normally the same number on every vCPU,
 * but nothing depends on that).
 */
final class TlbShootdown implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.mm");
    /** Above this many pages a flush is a full TLB flush (Linux's default ceiling is 33). */
    static final int FULL_FLUSH_PAGES = 33;
    static final long TIMEOUT_NANOS = 5_000_000_000L;

    /** One flush for several vCPUs; pages == null means a full flush. */
    static final class Request {
        final long start;
        final int pages; // -1: full
        final AtomicInteger pending = new AtomicInteger();

        Request(long start, int pages) {
            this.start = start;
            this.pages = pages;
        }

        void apply(Cpu cpu) {
            if (pages < 0) {
                cpu.flushTlb();
            } else {
                for (int i = 0; i < pages; i++) {
                    cpu.invlpg(start + ((long) i << 12));
                }
            }
        }
    }

    private final Hal hal;
    private final List<Vcpu> vcpus;
    private final int[] vectorOf;
    private final List<IrqVector> held = new ArrayList<>();
    private final ConcurrentLinkedQueue<Request>[] mailbox;
    private final Object[] icrLock;
    final AtomicLong shootdowns = new AtomicLong();
    final AtomicLong ipis = new AtomicLong();
    final AtomicLong timeouts = new AtomicLong();

    @SuppressWarnings("unchecked")
    TlbShootdown(Hal hal) {
        this.hal = hal;
        this.vcpus = hal.vcpus();
        int n = vcpus.size();
        this.vectorOf = new int[n];
        this.mailbox = new ConcurrentLinkedQueue[n];
        this.icrLock = new Object[n];
        java.util.Arrays.fill(vectorOf, -1);
        for (int i = 0; i < n; i++) {
            mailbox[i] = new ConcurrentLinkedQueue<>();
            icrLock[i] = new Object();
        }
        int missing = n;
        for (int attempt = 0; attempt < 4 * n && missing > 0; attempt++) {
            IrqVector v;
            try {
                v = hal.interrupts().allocate("tlb-shootdown", this::interrupt);
            } catch (IllegalStateException e) {
                break;
            }
            if (v.cpu() >= 0 && v.cpu() < n && vectorOf[v.cpu()] < 0) {
                vectorOf[v.cpu()] = v.vector();
                held.add(v);
                missing--;
            } else {
                v.close();
            }
        }
        if (missing > 0) {
            LOG.warn("tlb shootdown: no IPI vector on {} of {} cpus", missing, n);
        }
    }

    /** The vector that reaches vCPU {@code cpu}, or -1. */
    int vector(int cpu) {
        return cpu >= 0 && cpu < vectorOf.length ? vectorOf[cpu] : -1;
    }

    /** The IPI handler, on the target vCPU's thread. */
    private void interrupt(int vector) {
        int self = hal.currentCpu();
        if (self < 0) {
            return;
        }
        drain(self);
    }

    private void drain(int cpu) {
        Cpu c = vcpus.get(cpu).cpu();
        Request r;
        while ((r = mailbox[cpu].poll()) != null) {
            r.apply(c);
            r.pending.decrementAndGet();
        }
    }

    /**
     * Flushes {@code [start, start + pages*4K)} (pages &lt; 0 or above the ceiling: everything)
     * on every vCPU in {@code active}, and waits for all of them.
     */
    void flush(java.util.Set<Integer> active, long start, int pages) {
        if (active.isEmpty()) {
            return;
        }
        shootdowns.incrementAndGet();
        Request req = new Request(start, pages < 0 || pages > FULL_FLUSH_PAGES ? -1 : pages);
        int self = hal.currentCpu();
        List<Integer> targets = new ArrayList<>(active.size());
        for (int cpu : active) {
            if (cpu == self) {
                req.apply(vcpus.get(cpu).cpu());
            } else if (cpu >= 0 && cpu < vcpus.size() && vcpus.get(cpu).online() && vectorOf[cpu] >= 0) {
                targets.add(cpu);
            }
        }
        if (targets.isEmpty()) {
            return;
        }
        req.pending.set(targets.size());
        LocalApic from = vcpus.get(self >= 0 ? self : 0).lapic();
        for (int cpu : targets) {
            mailbox[cpu].add(req);
            Vcpu to = vcpus.get(cpu);
            synchronized (icrLock[self >= 0 ? self : 0]) {
                from.writeRegister(LocalApic.REG_ICR_HIGH, to.lapic().id() << 24);
                from.writeRegister(LocalApic.REG_ICR_LOW, vectorOf[cpu]); // fixed, physical, edge
            }
            ipis.incrementAndGet();
        }
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        Vcpu me = self >= 0 ? vcpus.get(self) : null;
        int spins = 0;
        while (req.pending.get() > 0) {
            if (me != null) {
                me.serviceInterrupts(); // take shootdowns aimed at us meanwhile
            }
            if (++spins > 100) {
                LockSupport.parkNanos(20_000);
            } else {
                Thread.onSpinWait();
            }
            if (System.nanoTime() > deadline) {
                timeouts.incrementAndGet();
                LOG.error("tlb shootdown: {} cpu(s) did not acknowledge in {} ms", req.pending.get(), TIMEOUT_NANOS / 1_000_000);
                break;
            }
        }
    }

    @Override
    public void close() {
        for (IrqVector v : held) {
            v.close();
        }
        held.clear();
    }
}
