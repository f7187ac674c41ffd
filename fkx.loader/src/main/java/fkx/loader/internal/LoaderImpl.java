package fkx.loader.internal;

import fkx.loader.FkxException;
import fkx.loader.FkxHeaders;
import fkx.loader.FkxLoader;
import fkx.loader.FkxModule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import kernel.core.Kernel;
import kernel.core.ModuleUsage;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FKX module loader.
 *
 * <p>A module's life: its bundle is installed (fused modules by the boot image, others by
 * {@link #load}), then the loader <em>starts</em> it: starts the bundle and enables its
 * Declarative Services components ({@code module_init}), checking that none fails to
 * activate. Stopping is the reverse: components are disabled (drivers unbind, services go
 * away), then the bundle is stopped, uninstalled and the framework refreshed, so nothing of
 * the module remains.
 *
 * <p>Boot: the fused modules start in class order (printk, panic, irqchip, timer, mm, driver,
 * generic), each after the modules it depends on. A failing module is rolled back and boot
 * goes on; a failing {@code required} module is a kernel panic: the kernel shuts down.
 *
 * <p>Locking: {@link #load} and {@link #unload} are serialized by {@code this}; module states
 * live in a concurrent map keyed by bundle id.
 */
@Component(service = FkxLoader.class, immediate = true)
public final class LoaderImpl implements FkxLoader {
    static final String REPO_PROPERTY = "kestrel.modules";
    private static final Logger LOG = LoggerFactory.getLogger("fkx.loader");
    private static final long INIT_TIMEOUT_MS = 10_000;

    @Reference
    private Kernel kernel;

    @Reference
    private ModuleUsage usage;

    @Reference
    private ServiceComponentRuntime scr;

    private BundleContext context;
    private ModuleRepository repo = ModuleRepository.empty();
    private final Map<Long, FkxModule.State> states = new ConcurrentHashMap<>();
    private final Set<Long> fused = ConcurrentHashMap.newKeySet();
    private final Map<String, ModuleHeaders> repoHeaders = new ConcurrentHashMap<>();
    private final CountDownLatch booted = new CountDownLatch(1);
    private Thread bootThread;

    @Activate
    void activate(BundleContext context) {
        this.context = context;
        String index = context.getProperty(REPO_PROPERTY);
        if (index != null && !index.isBlank()) {
            try {
                repo = ModuleRepository.read(Path.of(index));
                LOG.info("module repository {}: {} bundles", index, repo.resources().size());
            } catch (IOException e) {
                LOG.error("module repository unusable: {}", e.getMessage());
            }
        } else {
            LOG.info("no module repository ({} not set)", REPO_PROPERTY);
        }
        context.addBundleListener(shutdownListener);
        bootThread = Thread.ofPlatform().name("fkx-boot").start(this::boot);
    }

    /** When the framework starts stopping, stop the modules first, in reverse boot order. */
    private final SynchronousBundleListener shutdownListener = e -> {
        if (e.getBundle().getBundleId() == 0 && e.getType() == BundleEvent.STOPPING) {
            stopAll();
        }
    };

    /** Stops every live module, last started first (filesystems before the disks under them). */
    private synchronized void stopAll() {
        List<Bundle> live = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            if (states.get(b.getBundleId()) == FkxModule.State.LIVE) {
                live.add(b);
            }
        }
        List<Bundle> order = bootOrder(live);
        java.util.Collections.reverse(order);
        LOG.info("stopping {} modules", order.size());
        for (Bundle b : order) {
            stopQuietly(b);
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        try {
            context.removeBundleListener(shutdownListener);
        } catch (IllegalStateException ignored) {
            // context already invalid
        }
        if (bootThread != null) {
            bootThread.interrupt();
            bootThread.join(5000);
        }
    }

    // ---- boot ----------------------------------------------------------------------------

    /** Starts the fused modules in class order, then tells the kernel that boot is done. */
    private void boot() {
        try {
            List<Bundle> modules = new ArrayList<>();
            for (Bundle b : context.getBundles()) {
                if (ModuleHeaders.isModule(b.getHeaders()::get) && b.getState() != Bundle.UNINSTALLED) {
                    modules.add(b);
                    fused.add(b.getBundleId());
                }
            }
            wiring().resolveBundles(modules);
            List<Bundle> order = bootOrder(modules);
            LOG.info("starting {} fused modules: {}", order.size(), order.stream().map(this::moduleName).toList());
            for (Bundle b : order) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                synchronized (this) {
                    try {
                        start(b);
                    } catch (FkxException e) {
                        if (safeHeaders(b).map(h -> h.flags().contains("required")).orElse(false)) {
                            LOG.error("Kernel panic - not syncing: required module {} failed: {}", moduleName(b), e.getMessage());
                            kernel.shutdown();
                            return;
                        }
                        LOG.error("{} (module rolled back, boot continues)", e.getMessage());
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.error("module boot failed", e);
        } finally {
            booted.countDown();
        }
        kernel.bootCompleted();
    }

    /** Class order, each module after the fused modules it is wired to. */
    private List<Bundle> bootOrder(List<Bundle> modules) {
        List<Bundle> sorted = new ArrayList<>(modules);
        sorted.sort(Comparator.comparing((Bundle b) -> safeHeaders(b).map(h -> h.fkxClass().ordinal()).orElse(99))
                .thenComparing(this::moduleName));
        Set<Bundle> done = new LinkedHashSet<>();
        for (Bundle b : sorted) {
            visit(b, new LinkedHashSet<>(modules), done, new LinkedHashSet<>());
        }
        return new ArrayList<>(done);
    }

    private void visit(Bundle b, Set<Bundle> all, Set<Bundle> done, Set<Bundle> path) {
        if (done.contains(b) || !path.add(b)) {
            return;
        }
        for (Bundle p : providers(b)) {
            if (all.contains(p)) {
                visit(p, all, done, path);
            }
        }
        done.add(b);
    }

    // ---- module start and stop ------------------------------------------------------------

    /**
     * Starts one module: checks its headers, starts its bundle and enables its components.
     * Caller holds {@code this}. On failure the module is left stopped, with state FAILED.
     */
    private void start(Bundle b) throws FkxException {
        String name = moduleName(b);
        ModuleHeaders h;
        try {
            h = ModuleHeaders.parse(b.getHeaders()::get);
        } catch (IllegalArgumentException e) {
            states.put(b.getBundleId(), FkxModule.State.FAILED);
            throw new FkxException("fkx: " + name + ": bad module headers: " + e.getMessage());
        }
        if (h.apiVersion() != FkxHeaders.CURRENT_API) {
            states.put(b.getBundleId(), FkxModule.State.FAILED);
            throw new FkxException("fkx: " + name + ": built for module API " + h.apiVersion() + ", kernel has " + FkxHeaders.CURRENT_API);
        }
        long t0 = System.nanoTime();
        try {
            if (b.getState() != Bundle.ACTIVE) {
                b.start();
            }
            for (ComponentDescriptionDTO d : awaitDescriptions(b)) {
                if (!scr.isComponentEnabled(d)) {
                    scr.enableComponent(d).getValue();
                }
            }
            String failure = awaitComponents(b);
            if (failure != null) {
                throw new FkxException("fkx: " + name + ": start failed: " + failure);
            }
        } catch (FkxException e) {
            stopQuietly(b);
            states.put(b.getBundleId(), FkxModule.State.FAILED);
            throw e;
        } catch (Exception e) {
            stopQuietly(b);
            states.put(b.getBundleId(), FkxModule.State.FAILED);
            Throwable c = e.getCause() != null && e.getMessage() == null ? e.getCause() : e;
            throw new FkxException("fkx: " + name + ": start failed: " + c.getMessage(), e);
        }
        states.put(b.getBundleId(), FkxModule.State.LIVE);
        LOG.info("{} ({}) started in {} ms", name, h.fkxClass().label(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * The component descriptions of {@code b}, once SCR knows all of them: SCR reads a bundle's
     * {@code Service-Component} documents when it sees the bundle start, which may be after
     * {@code b} is already ACTIVE (a fused module started by the launcher before SCR tracked
     * it). Enabling before then would enable nothing and report the module started.
     */
    private java.util.Collection<ComponentDescriptionDTO> awaitDescriptions(Bundle b) throws InterruptedException {
        String header = b.getHeaders("").get("Service-Component");
        int declared = header == null || header.isBlank() ? 0 : header.split(",").length;
        long deadline = System.currentTimeMillis() + INIT_TIMEOUT_MS;
        while (true) {
            java.util.Collection<ComponentDescriptionDTO> ds = scr.getComponentDescriptionDTOs(b);
            if (ds.size() >= declared || System.currentTimeMillis() > deadline) {
                if (ds.size() < declared) {
                    LOG.warn("{}: SCR knows {} of its {} components", moduleName(b), ds.size(), declared);
                }
                return ds;
            }
            Thread.sleep(2);
        }
    }

    /**
     * Waits until no immediate component of {@code b} is still between satisfied and active.
     *
     * @return the first activation failure, or null
     */
    private String awaitComponents(Bundle b) throws InterruptedException {
        long deadline = System.currentTimeMillis() + INIT_TIMEOUT_MS;
        while (true) {
            boolean settling = false;
            for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
                for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                    if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                        return d.name + ": " + firstLine(c.failure);
                    }
                    if (c.state == ComponentConfigurationDTO.SATISFIED && d.immediate) {
                        settling = true;
                    }
                }
            }
            if (!settling || System.currentTimeMillis() > deadline) {
                return null;
            }
            Thread.sleep(5);
        }
    }

    /** Disables the module's components and stops its bundle; errors are logged. */
    private void stopQuietly(Bundle b) {
        try {
            stopModule(b);
        } catch (Exception e) {
            LOG.warn("{}: stop failed: {}", moduleName(b), e.getMessage());
        }
    }

    private void stopModule(Bundle b) throws Exception {
        if (b.getState() == Bundle.UNINSTALLED) {
            return;
        }
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs(b)) {
            if (scr.isComponentEnabled(d)) {
                scr.disableComponent(d).getValue();
            }
        }
        if (b.getState() == Bundle.ACTIVE || b.getState() == Bundle.STARTING) {
            b.stop();
        }
        states.put(b.getBundleId(), FkxModule.State.LOADED);
    }

    // ---- load and unload -------------------------------------------------------------------

    @Override
    public synchronized List<String> load(String name) throws FkxException {
        Optional<Bundle> installed = bundle(name);
        if (installed.isPresent()) {
            Bundle b = installed.get();
            if (states.get(b.getBundleId()) == FkxModule.State.LIVE) {
                return List.of();
            }
            start(b);
            return List.of(name);
        }
        ModuleRepository.Resource top = repo.find(name)
                .orElseThrow(() -> new FkxException("fkx:load: module " + name + " not found in the module repository " + repo));
        List<ModuleRepository.Resource> plan = new ArrayList<>();
        plan(top, plan, new LinkedHashSet<>());
        List<Bundle> added = new ArrayList<>();
        try {
            for (ModuleRepository.Resource r : plan) {
                try (InputStream in = r.location().toURL().openStream()) {
                    Bundle b = context.installBundle(r.location().toString(), in);
                    added.add(b);
                    states.put(b.getBundleId(), FkxModule.State.LOADED);
                } catch (IOException | BundleException e) {
                    throw new FkxException("fkx:load: cannot install " + r.name() + " from " + r.location() + ": " + e.getMessage(), e);
                }
            }
            if (!wiring().resolveBundles(added)) {
                List<String> unresolved = added.stream().filter(b -> b.getState() == Bundle.INSTALLED).map(this::moduleName).toList();
                throw new FkxException("fkx:load: " + name + ": cannot resolve " + unresolved);
            }
            for (Bundle b : added) {
                if (ModuleHeaders.isModule(b.getHeaders()::get)) {
                    start(b);
                } else if (b.getHeaders().get("Fragment-Host") == null) {
                    b.start();
                }
            }
        } catch (FkxException | BundleException e) {
            rollback(added);
            if (e instanceof FkxException f) {
                throw f;
            }
            throw new FkxException("fkx:load: " + name + ": " + e.getMessage(), e);
        }
        List<String> names = added.stream().map(this::moduleName).toList();
        LOG.info("loaded {}", String.join(", ", names));
        return names;
    }

    @Override
    public List<String> loadFor(String deviceId) throws FkxException {
        return loadFor(deviceId, () -> true);
    }

    @Override
    public synchronized List<String> loadFor(String deviceId, BooleanSupplier proceed) throws FkxException {
        if (!DeviceMatch.validId(deviceId)) {
            throw new FkxException("fkx: not a device ID: " + deviceId + " (expected pci:vvvv:dddd or pci:vvvv:dddd:cccccc)");
        }
        if (!proceed.getAsBoolean()) {
            LOG.debug("{}: the caller no longer wants a driver; nothing loaded", deviceId);
            return List.of();
        }
        List<FkxModule> matching = DeviceMatch.modprobeOrder(modules(), deviceId);
        if (matching.isEmpty()) {
            LOG.info("no module matches {}", deviceId);
            return List.of();
        }
        List<String> loaded = new ArrayList<>();
        FkxException first = null;
        boolean any = false;
        for (FkxModule m : matching) {
            if (m.state() == FkxModule.State.LIVE) {
                LOG.info("{}: matching module {} already live", deviceId, m.name());
                any = true;
                continue;
            }
            try {
                List<String> l = load(m.name()); // empty if it came up as a dependency of an earlier one
                loaded.addAll(l);
                any = true;
            } catch (FkxException e) {
                LOG.warn("{}: loading {} failed: {}", deviceId, m.name(), e.getMessage());
                if (first == null) {
                    first = e;
                }
            }
        }
        if (!any) {
            throw first;
        }
        if (!loaded.isEmpty()) {
            LOG.info("{}: loaded {}", deviceId, String.join(", ", loaded));
        }
        return loaded;
    }

    /** Adds to {@code plan} (dependencies first) what must be installed to load {@code r}. */
    private void plan(ModuleRepository.Resource r, List<ModuleRepository.Resource> plan, Set<String> path) throws FkxException {
        if (plan.contains(r) || !path.add(r.name())) {
            return;
        }
        for (ModuleRepository.Clause req : r.requirements()) {
            boolean wiring = req.namespace().equals("osgi.wiring.package") || req.namespace().equals("osgi.wiring.bundle");
            if (!wiring || req.optional() || !req.effectiveResolve() || r.provides(req) || satisfiedByInstalled(req)
                    || plan.stream().anyMatch(p -> p.provides(req))) {
                continue;
            }
            List<ModuleRepository.Resource> providers = repo.providers(req);
            providers.removeIf(p -> p == r);
            if (providers.isEmpty()) {
                throw new FkxException("fkx:load: " + r.name() + " needs " + req.filter() + ", which nothing installed or in the module repository provides");
            }
            plan(providers.get(0), plan, path);
        }
        plan.add(r);
    }

    private boolean satisfiedByInstalled(ModuleRepository.Clause req) {
        for (Bundle b : context.getBundles()) {
            if (b.getState() == Bundle.UNINSTALLED) {
                continue;
            }
            BundleRevision rev = b.adapt(BundleRevision.class);
            if (rev == null) {
                continue;
            }
            for (BundleCapability c : rev.getDeclaredCapabilities(req.namespace())) {
                if (ModuleRepository.matches(req, c.getAttributes())) {
                    return true;
                }
            }
        }
        return false;
    }

    private void rollback(List<Bundle> added) {
        for (int i = added.size() - 1; i >= 0; i--) {
            Bundle b = added.get(i);
            stopQuietly(b);
            try {
                b.uninstall();
            } catch (BundleException | IllegalStateException e) {
                LOG.warn("rollback: uninstall of {} failed: {}", b.getSymbolicName(), e.getMessage());
            }
            states.remove(b.getBundleId());
        }
        refresh(added);
        if (!added.isEmpty()) {
            LOG.info("rolled back {}", added.stream().map(Bundle::getSymbolicName).toList());
        }
    }

    @Override
    public synchronized void unload(String name) throws FkxException {
        Bundle b = bundle(name).orElseThrow(() -> new FkxException("fkx:unload: module " + name + " is not loaded"));
        ModuleHeaders h = headers(b);
        if (h.flags().contains("core")) {
            throw new FkxException("fkx:unload: " + name + " is a core module and cannot be unloaded");
        }
        List<String> users = users(b);
        if (!users.isEmpty()) {
            throw new FkxException("fkx:unload: " + name + " is in use by " + String.join(", ", users));
        }
        try {
            stopModule(b);
            b.uninstall();
        } catch (Exception e) {
            throw new FkxException("fkx:unload: " + name + ": " + e.getMessage(), e);
        }
        states.remove(b.getBundleId());
        fused.remove(b.getBundleId());
        refresh(List.of(b));
        LOG.info("unloaded {}", name);
    }

    /** What keeps {@code b} loaded: holds taken on it, and the bundles wired to it. */
    private List<String> users(Bundle b) {
        List<String> out = new ArrayList<>(usage.users(b));
        for (Bundle d : dependents(b)) {
            out.add("module " + moduleName(d));
        }
        return out;
    }

    private List<Bundle> dependents(Bundle b) {
        Set<Bundle> out = new LinkedHashSet<>();
        BundleWiring w = b.adapt(BundleWiring.class);
        if (w != null) {
            for (BundleWire wire : w.getProvidedWires(null)) {
                Bundle r = wire.getRequirerWiring().getBundle();
                if (r != b && r.getState() != Bundle.UNINSTALLED && r.getBundleId() != 0) {
                    out.add(r);
                }
            }
        }
        return new ArrayList<>(out);
    }

    private List<Bundle> providers(Bundle b) {
        Set<Bundle> out = new LinkedHashSet<>();
        BundleWiring w = b.adapt(BundleWiring.class);
        if (w != null) {
            for (BundleWire wire : w.getRequiredWires(null)) {
                Bundle p = wire.getProviderWiring().getBundle();
                if (p != b) {
                    out.add(p);
                }
            }
        }
        return new ArrayList<>(out);
    }

    private void refresh(List<Bundle> bundles) {
        CountDownLatch done = new CountDownLatch(1);
        wiring().refreshBundles(bundles, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED || e.getType() == FrameworkEvent.ERROR) {
                done.countDown();
            }
        });
        try {
            done.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- queries ---------------------------------------------------------------------------

    @Override
    public List<FkxModule> modules() {
        Map<String, FkxModule> out = new LinkedHashMap<>();
        for (Bundle b : context.getBundles()) {
            if (b.getState() != Bundle.UNINSTALLED && ModuleHeaders.isModule(b.getHeaders()::get)) {
                describe(b).ifPresent(m -> out.put(m.name(), m));
            }
        }
        for (ModuleRepository.Resource r : repo.resources()) {
            if (!out.containsKey(r.name())) {
                repoModule(r).ifPresent(m -> out.put(m.name(), m));
            }
        }
        List<FkxModule> list = new ArrayList<>(out.values());
        list.sort(Comparator.comparing((FkxModule m) -> m.fkxClass().ordinal()).thenComparing(FkxModule::name));
        return list;
    }

    @Override
    public Optional<FkxModule> module(String name) {
        return modules().stream().filter(m -> m.name().equals(name)).findFirst();
    }

    private Optional<FkxModule> describe(Bundle b) {
        return safeHeaders(b).map(h -> {
            FkxModule.State s = states.getOrDefault(b.getBundleId(), FkxModule.State.LOADED);
            return new FkxModule(h.name(), b.getVersion().toString(), h.fkxClass(), h.flags(), h.apiVersion(), h.devices(),
                    s, fused.contains(b.getBundleId()), users(b), b.getBundleId());
        });
    }

    private Optional<FkxModule> repoModule(ModuleRepository.Resource r) {
        ModuleHeaders h = repoHeaders.computeIfAbsent(r.name(), n -> readHeaders(r));
        if (h == null || h.name() == null) {
            return Optional.empty();
        }
        return Optional.of(new FkxModule(h.name(), r.version().toString(), h.fkxClass(), h.flags(), h.apiVersion(), h.devices(),
                FkxModule.State.AVAILABLE, false, List.of(), -1));
    }

    /** The FKX headers of a repository jar, or a marker with a null name if it is not a module. */
    private static ModuleHeaders readHeaders(ModuleRepository.Resource r) {
        try (InputStream in = r.location().getScheme().equals("file") ? Files.newInputStream(Path.of(r.location())) : r.location().toURL().openStream();
                JarInputStream jar = new JarInputStream(in)) {
            Manifest m = jar.getManifest();
            if (m != null && ModuleHeaders.isModule(m.getMainAttributes()::getValue)) {
                return ModuleHeaders.parse(m.getMainAttributes()::getValue);
            }
        } catch (IOException | IllegalArgumentException e) {
            LOG.debug("{}: not readable as a module: {}", r.location(), e.getMessage());
        }
        return new ModuleHeaders(null, null, Set.of(), 0, List.of());
    }

    private Optional<Bundle> bundle(String name) {
        for (Bundle b : context.getBundles()) {
            if (b.getState() != Bundle.UNINSTALLED && name.equals(b.getHeaders().get(FkxHeaders.NAME))) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    private ModuleHeaders headers(Bundle b) throws FkxException {
        try {
            return ModuleHeaders.parse(b.getHeaders()::get);
        } catch (IllegalArgumentException e) {
            throw new FkxException("fkx: " + b.getSymbolicName() + ": bad module headers: " + e.getMessage());
        }
    }

    private static Optional<ModuleHeaders> safeHeaders(Bundle b) {
        try {
            return Optional.of(ModuleHeaders.parse(b.getHeaders()::get));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private String moduleName(Bundle b) {
        String n = b.getHeaders().get(FkxHeaders.NAME);
        return n != null ? n : b.getSymbolicName();
    }

    private FrameworkWiring wiring() {
        return context.getBundle(0).adapt(FrameworkWiring.class);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "activation failed";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public boolean awaitBoot(Duration timeout) throws InterruptedException {
        return booted.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }
}
