package kernel.sched.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import kernel.core.hal.Hal;
import kernel.core.selftest.SelfTestSuite;
import kernel.sched.Scheduler;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kernel.sched's component: starts the {@link Scheduler} on the machine's vCPUs, publishes it
 * and the self-test suites, and offers {@code sched:ps} and {@code sched:stat}. Enabled by
 * fkx.loader (FKX class {@code timer}).
 */
@Component(service = SchedComponent.class, immediate = true, enabled = false, property = {
    "osgi.command.scope=sched",
    "osgi.command.function=ps",
    "osgi.command.function=stat",
})
public final class SchedComponent {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.sched");

    @Reference
    private Hal hal;

    private Scheduler sched;
    private BundleContext context;
    private final List<ServiceRegistration<?>> regs = new ArrayList<>();
    private ServiceReference<?> pageRef;
    private Runnable freePages;
    private UserLoop userLoop;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        if (hal.vcpus().isEmpty()) {
            // a HAL without vCPUs (a test double): completions and the other primitives still
            // work for plain threads; there is nothing to schedule tasks on
            LOG.warn("no vCPUs: the scheduler is not started");
            return;
        }
        sched = new Scheduler(hal);
        sched.start();
        regs.add(context.registerService(Scheduler.class, sched, null));
        for (SelfTestSuite s : new SchedSuites(sched, this::userLoop).suites()) {
            regs.add(context.registerService(SelfTestSuite.class, s, null));
        }
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<?> r : regs) {
            try {
                r.unregister();
            } catch (IllegalStateException ignored) {
                // already gone
            }
        }
        regs.clear();
        if (sched != null) {
            sched.close();
        }
        freeTestPages();
    }

    /**
     * Pages for the self-tests' user code come from kernel.mm's PageAllocator, found by name
     * (kernel.sched starts before kernel.mm and must not depend on it at build time: kernel.mm
     * may use the scheduler).
     */
    private synchronized UserLoop userLoop() {
        if (userLoop != null) {
            return userLoop;
        }
        try {
            ServiceReference<?> ref = context.getServiceReference("kernel.mm.PageAllocator");
            if (ref == null) {
                throw new IllegalStateException("kernel.mm's PageAllocator is not available");
            }
            Object pa = context.getService(ref);
            Class<?> api = interfaceNamed(pa.getClass(), "kernel.mm.PageAllocator");
            MethodHandle alloc = MethodHandles.publicLookup().findVirtual(api,
                    "allocate", MethodType.methodType(long.class, int.class, long.class));
            long base = (long) alloc.invoke(pa, 3, 1L << 32);
            MethodHandle free = MethodHandles.publicLookup().findVirtual(api,
                    "free", MethodType.methodType(void.class, long.class, int.class));
            pageRef = ref;
            freePages = () -> {
                try {
                    free.invoke(pa, base, 3);
                } catch (Throwable e) {
                    LOG.warn("cannot free the self-test pages: {}", e.toString());
                }
                context.ungetService(ref);
            };
            userLoop = new UserLoop(hal.memory(), base, base + 4096, base + 8192);
            return userLoop;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot allocate pages for the user-mode test code: " + e, e);
        }
    }

    private static Class<?> interfaceNamed(Class<?> c, String name) {
        for (Class<?> k = c; k != null; k = k.getSuperclass()) {
            for (Class<?> i : k.getInterfaces()) {
                if (i.getName().equals(name)) {
                    return i;
                }
            }
        }
        return c;
    }

    /** Returns the self-tests' pages to kernel.mm, if it is still there. */
    private synchronized void freeTestPages() {
        if (freePages != null) {
            try {
                freePages.run();
            } catch (IllegalStateException e) {
                // kernel.mm (or this bundle's context) already gone: nothing to return them to
            }
            freePages = null;
            pageRef = null;
            userLoop = null;
        }
    }

    @Descriptor("list tasks: id, name, state, class, priority/nice, cpu, runtime")
    public String ps() {
        if (sched == null) {
            return "the scheduler is not running (no vCPUs)";
        }
        return Format.ps(sched.tasks());
    }

    @Descriptor("per-CPU scheduler statistics: run-queue length, switches, runtime, idle time, migrations")
    public String stat() {
        if (sched == null) {
            return "the scheduler is not running (no vCPUs)";
        }
        return Format.stat(sched);
    }
}
