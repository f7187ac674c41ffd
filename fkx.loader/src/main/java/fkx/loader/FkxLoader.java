package fkx.loader;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

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
     * Loads the drivers for a device nobody drives, as {@code modprobe $MODALIAS} does on a
     * hot-plug uevent: finds every module whose {@link FkxHeaders#DEVICES FKX-Devices} entries
     * match {@code deviceId} and loads each one that is not live yet as {@link #load} does
     * (dependencies first, rolled back together with them if its start fails; one module failing
     * does not stop the others). Like Linux, the loader loads all of them and leaves the choice to
     * the bus: the first driver to register that binds the device keeps it, the others stay loaded
     * and idle. Order, so that the best match registers first: modules whose entry names the
     * device's vendor and device exactly before wildcard and class entries; installed modules
     * before those of the repository; then by name.
     *
     * @param deviceId {@code pci:vvvv:dddd} or {@code pci:vvvv:dddd:cccccc} (hex; cccccc = class code),
     *                 see {@link FkxHeaders}
     * @return the modules that were loaded, in load order (each one's dependencies before it);
     *         empty if no module matches or every matching module is already live
     * @throws FkxException if {@code deviceId} is malformed, or if every matching module that was
     *         not live failed to load (the first failure)
     * @since 0.2 (0.3: loads every matching module, not only the first)
     */
    List<String> loadFor(String deviceId) throws FkxException;

    /**
     * As {@link #loadFor(String)}, for a caller that may stop wanting the load while it waits for
     * the loader (a bus being deactivated while its hot-plug worker asks for a driver): the loader
     * calls {@code proceed} once, while holding the lock that serialises loads and unloads, before
     * it loads anything; if it returns false, nothing is loaded and the result is empty. A caller
     * that drains its pending loads can so tell a load already under way (wait for it) from one not
     * yet started (it will do nothing), without waiting for the loader's lock itself.
     *
     * @since 0.3
     */
    default List<String> loadFor(String deviceId, BooleanSupplier proceed) throws FkxException {
        return proceed.getAsBoolean() ? loadFor(deviceId) : List.of();
    }

    /**
     * Unloads {@code name}: stops its components (drivers unbind their devices), stops and
     * uninstalls its bundle. Refused while the module is in use, with a message that contains
     * "in use" and names the users.
     */
    void unload(String name) throws FkxException;

    /** Waits until the fused modules have been started at boot. */
    boolean awaitBoot(Duration timeout) throws InterruptedException;
}
