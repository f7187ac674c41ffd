package fkx.loader;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The module loader: the only place that installs, starts, stops and removes FKX modules.
 * Behaves like Linux's modprobe/rmmod. An OSGi service.
 */
public interface FkxLoader {
    /** Every loaded module, and every module of the repository that is not loaded, by class then name. */
    List<FkxModule> modules();

    /** The module called {@code name}, loaded or in the repository. */
    Optional<FkxModule> module(String name);

    /**
     * Loads {@code name} from the module repository, loading what it depends on first.
     * A module whose start fails is rolled back together with the dependencies loaded for it.
     *
     * @return the modules that were loaded, in load order (empty if it was already live)
     */
    List<String> load(String name) throws FkxException;

    /**
     * Loads a driver for a device nobody drives (modprobe on a hot-plug uevent): finds the modules
     * whose {@link FkxHeaders#DEVICES FKX-Devices} entries match {@code deviceId} and, unless one of
     * them is already live, loads the first one as {@link #load} does (dependencies first, rolled
     * back together with them if its start fails). Modules whose entry names the device's vendor and
     * device exactly come before wildcard and class entries; loaded modules before those of the
     * repository; then by name. If a module fails to load the next one is tried.
     *
     * @param deviceId {@code pci:vvvv:dddd} or {@code pci:vvvv:dddd:cccccc} (hex; cccccc = class code),
     *                 see {@link FkxHeaders}
     * @return the modules that were loaded, in load order, the matching module last; empty if a
     *         matching module is already live or no module matches
     * @throws FkxException if {@code deviceId} is malformed, or if every matching module failed to
     *         load (the first failure)
     * @since 0.2
     */
    List<String> loadFor(String deviceId) throws FkxException;

    /**
     * Unloads {@code name}: stops its components (drivers unbind their devices), stops and
     * uninstalls its bundle. Refused while the module is in use, with a message that contains
     * "in use" and names the users.
     */
    void unload(String name) throws FkxException;

    /** Waits until the fused modules have been started at boot. */
    boolean awaitBoot(Duration timeout) throws InterruptedException;
}
