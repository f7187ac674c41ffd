package fkx.loader;

import java.util.List;
import java.util.Set;

/**
 * What the loader knows about one module.
 *
 * @param fused   true if the module is part of the boot image, false if loaded at run time (rFKX)
 * @param users   what keeps the module from being unloaded: holders (mounts, open devices) and
 *                loaded modules that depend on it
 * @param bundleId the OSGi bundle id, or -1 if the module is only in the module repository
 */
public record FkxModule(String name, String version, FkxClass fkxClass, Set<String> flags, int apiVersion,
        List<String> devices, State state, boolean fused, List<String> users, long bundleId) {

    /** Lifecycle of a module. */
    public enum State {
        /** In the module repository, not loaded. */
        AVAILABLE,
        /** Installed, not started (or stopped). */
        LOADED,
        /** Started: its components are enabled. */
        LIVE,
        /** Its start failed; rolled back. */
        FAILED
    }

    public boolean core() {
        return flags.contains("core");
    }

    public boolean required() {
        return flags.contains("required");
    }
}
