package kernel.core;

import java.util.List;
import org.osgi.framework.Bundle;

/**
 * Reference counts on modules, like Linux's {@code try_module_get}/{@code module_put} with
 * holders: a subsystem that keeps using what a module provides (a mounted disk, an open
 * socket) takes a hold on that module, and the module loader refuses to unload a module that
 * is held, naming the holders.
 */
public interface ModuleUsage {
    /** A hold on a module; {@link #close()} releases it (idempotent). */
    interface Hold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Takes a hold on {@code module}.
     *
     * @param user what holds it, shown in the "in use" error, e.g. {@code "/dev/vda mounted on /mnt"}
     */
    Hold hold(Bundle module, String user);

    /** The current holders of {@code module}, in the order taken; empty if none. */
    List<String> users(Bundle module);
}
