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
     * Unloads {@code name}: stops its components (drivers unbind their devices), stops and
     * uninstalls its bundle. Refused while the module is in use, with a message that contains
     * "in use" and names the users.
     */
    void unload(String name) throws FkxException;

    /** Waits until the fused modules have been started at boot. */
    boolean awaitBoot(Duration timeout) throws InterruptedException;
}
