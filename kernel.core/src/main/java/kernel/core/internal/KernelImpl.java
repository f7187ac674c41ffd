package kernel.core.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import kernel.core.Kernel;
import kernel.core.hal.Hal;
import kernel.core.hal.MachineHal;
import kernel.log.Dmesg;
import kernel.log.Level;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import platform.pc.BootInfo;
import platform.pc.Machine;

/**
 * The kernel's entry point: what {@code start_kernel} is to Linux.
 *
 * <p>Boot, in order: (1) the firmware stage powers on the machine described by the boot
 * options ({@link BootOptions}) and hands over {@link BootInfo}; (2) the log clock starts and
 * the banner is printed; (3) the HAL starts taking interrupts and is published, one view per
 * module; (4) the {@link Kernel} service appears, and the module loader starts the fused
 * modules in class order and calls {@link #bootCompleted()}.
 *
 * <p>Shutdown stops the framework (every module stops, in reverse start order), then this
 * component powers the machine off.
 */
@Component(service = Kernel.class, immediate = true)
public final class KernelImpl implements Kernel {
    public static final String VERSION = "0.1.0";
    private static final Logger LOG = LoggerFactory.getLogger("kernel.core");

    private final CountDownLatch booted = new CountDownLatch(1);
    private BundleContext context;
    private Machine machine;
    private MachineHal hal;
    private ServiceRegistration<Hal> halRegistration;
    private volatile boolean shuttingDown;
    private boolean exitOnPowerOff;
    private static volatile PrintStream console = System.out;

    /** The machine's terminal. */
    static PrintStream console() {
        return console;
    }

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        this.exitOnPowerOff = "exit".equals(context.getProperty("kestrel.poweroff"));
        Dmesg dmesg = Dmesg.get();
        dmesg.markBoot();
        if (exitOnPowerOff) {
            // The boot image owns the terminal: write to the real stdout, never to a
            // System.out that the shell runtime redirects per command.
            console = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
            dmesg.setConsole(console);
        }
        try {
            BootOptions options = BootOptions.from(context::getProperty);
            // options are checked here, before anything is powered on
            dmesg.setConsoleLevel(options.consoleLevel());
            machine = options.powerOn();
            startMonitor(options.monitor());
        } catch (RuntimeException e) {
            LOG.error("cannot power on the machine: {}", e.getMessage());
            if (machine != null) {
                machine.close();
                machine = null;
            }
            powerOff(1);
            throw e;
        }
        BootInfo boot = machine.bootInfo();
        LOG.info("Kestrel {} (Java {}, OSGi framework {} {}) booting", VERSION, Runtime.version(),
                context.getBundle(0).getSymbolicName(), context.getBundle(0).getVersion());
        LOG.info("command line: {}", boot.commandLine().isEmpty() ? "(empty)" : boot.commandLine());
        LOG.info("memory: {} MiB usable, {} regions in the memory map", boot.usableBytes() >> 20, boot.memoryMap().size());
        for (var r : boot.memoryMap()) {
            LOG.debug("  [mem {}-{}] {}", hex(r.base()), hex(r.end() - 1), r.type());
        }
        LOG.info("cpus: {}", boot.cpuCount());
        hal = new MachineHal(machine);
        for (var t : hal.acpi().tables()) {
            LOG.info("ACPI: {} at {} (len {}, rev {}, OEM {})", t.signature(), hex(t.address()), t.length(), t.revision(), t.oemId());
        }
        hal.start();
        halRegistration = context.registerService(Hal.class, new ServiceFactory<Hal>() {
            @Override
            public Hal getService(Bundle bundle, ServiceRegistration<Hal> registration) {
                return new ModuleHal(hal, bundle.getSymbolicName());
            }

            @Override
            public void ungetService(Bundle bundle, ServiceRegistration<Hal> registration, Hal service) {
                ((ModuleHal) service).release();
            }
        }, null);
    }

    /** Serves the machine monitor on {@code spec} ({@code tcp:PORT}), if set; it closes with the machine. */
    private void startMonitor(String spec) {
        if (spec == null) {
            return;
        }
        try {
            var server = platform.devices.monitor.MonitorServer.listen(new platform.devices.monitor.Monitor(machine),
                    platform.devices.monitor.MonitorServer.parsePort(spec));
            machine.onClose(server);
            LOG.info("monitor: listening on tcp:127.0.0.1:{}", server.port());
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("monitor: cannot listen on " + spec + ": " + e.getMessage(), e);
        }
    }

    @Deactivate
    void deactivate() {
        if (halRegistration != null) {
            try {
                halRegistration.unregister();
            } catch (IllegalStateException ignored) {
                // already gone with the bundle
            }
        }
        if (hal != null) {
            hal.stop();
        }
        if (machine != null) {
            machine.close();
            LOG.info("machine powered off");
        }
    }

    /** The HAL itself, for kernel.core's own commands. */
    MachineHal hal() {
        return hal;
    }

    @Override
    public String version() {
        return VERSION;
    }

    @Override
    public long uptimeNanos() {
        return Dmesg.get().uptimeNanos();
    }

    @Override
    public void bootCompleted() {
        if (booted.getCount() > 0) {
            LOG.info("boot completed in {} ms", uptimeNanos() / 1_000_000);
            booted.countDown();
        }
    }

    @Override
    public boolean awaitBoot(Duration timeout) throws InterruptedException {
        return booted.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
        if (shuttingDown) {
            return;
        }
        shuttingDown = true;
        Thread.ofPlatform().name("shutdown").start(() -> {
            LOG.info("shutting down");
            try {
                Framework fw = (Framework) context.getBundle(0);
                fw.stop();
                fw.waitForStop(30_000);
            } catch (BundleException | IllegalStateException | InterruptedException e) {
                LOG.error("shutdown failed", e);
                powerOff(1);
            }
            powerOff(0);
        });
    }

    /**
     * Ends the JVM with {@code status} when the kernel runs as a boot image (property
     * {@code kestrel.poweroff=exit}): the machine is off, so is the process. Under a test
     * framework the property is absent and the JVM lives on.
     */
    private void powerOff(int status) {
        if (exitOnPowerOff) {
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(status);
        }
    }

    boolean shuttingDown() {
        return shuttingDown;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static Level level(String s) {
        return Level.parse(s);
    }
}
