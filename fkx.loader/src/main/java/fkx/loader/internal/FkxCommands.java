package fkx.loader.internal;

import fkx.loader.FkxException;
import fkx.loader.FkxLoader;
import fkx.loader.FkxModule;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Shell commands of the module loader: {@code fkx:list}, {@code fkx:info}, {@code fkx:load}, {@code fkx:unload}. */
@Component(service = FkxCommands.class, immediate = true, property = {
    "osgi.command.scope=fkx",
    "osgi.command.function=list",
    "osgi.command.function=info",
    "osgi.command.function=load",
    "osgi.command.function=unload",
})
public final class FkxCommands {
    @Reference
    private FkxLoader loader;

    @Descriptor("list modules: loaded ones, then those available in the module repository")
    public String list() {
        StringBuilder sb = new StringBuilder(String.format("%-20s %-22s %-8s %-9s %-6s %s", "NAME", "VERSION", "CLASS", "STATE", "IMAGE", "USERS"));
        for (FkxModule m : loader.modules()) {
            sb.append(String.format("%n%-20s %-22s %-8s %-9s %-6s %s", m.name(), m.version(), m.fkxClass().label(),
                    m.state().name().toLowerCase(), m.state() == FkxModule.State.AVAILABLE ? "-" : m.fused() ? "fused" : "rfkx",
                    m.users().isEmpty() ? "-" : String.join(", ", m.users())));
        }
        return sb.toString();
    }

    @Descriptor("show everything known about a module")
    public String info(@Descriptor("module name") String name) throws FkxException {
        FkxModule m = loader.module(name).orElseThrow(() -> new FkxException("fkx:info: no module " + name));
        return String.join("\n",
                "name:        " + m.name(),
                "version:     " + m.version(),
                "class:       " + m.fkxClass().label(),
                "flags:       " + (m.flags().isEmpty() ? "-" : String.join(", ", m.flags())),
                "api version: " + m.apiVersion(),
                "devices:     " + (m.devices().isEmpty() ? "-" : String.join(", ", m.devices())),
                "state:       " + m.state().name().toLowerCase() + (m.state() == FkxModule.State.AVAILABLE ? "" : m.fused() ? " (fused)" : " (rfkx)"),
                "bundle:      " + (m.bundleId() < 0 ? "-" : String.valueOf(m.bundleId())),
                "users:       " + (m.users().isEmpty() ? "-" : String.join(", ", m.users())));
    }

    @Descriptor("load a module and what it depends on from the module repository")
    public String load(@Descriptor("module name") String name) throws FkxException {
        List<String> loaded = loader.load(name);
        return loaded.isEmpty() ? name + " is already loaded" : "loaded " + String.join(", ", loaded);
    }

    @Descriptor("unload a module that nothing uses")
    public String unload(@Descriptor("module name") String name) throws FkxException {
        loader.unload(name);
        return "unloaded " + name;
    }
}
