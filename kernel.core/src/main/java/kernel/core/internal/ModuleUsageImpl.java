package kernel.core.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kernel.core.ModuleUsage;
import org.osgi.framework.Bundle;
import org.osgi.service.component.annotations.Component;

/**
 * Module holds, keyed by bundle id. A bundle that is uninstalled and installed again gets a
 * new id, so stale holds never leak onto the new instance.
 */
@Component(service = ModuleUsage.class, immediate = true)
public final class ModuleUsageImpl implements ModuleUsage {
    private final Map<Long, List<HoldImpl>> holds = new LinkedHashMap<>();

    private final class HoldImpl implements Hold {
        final long bundle;
        final String user;
        boolean closed;

        HoldImpl(long bundle, String user) {
            this.bundle = bundle;
            this.user = user;
        }

        @Override
        public void close() {
            synchronized (ModuleUsageImpl.this) {
                if (!closed) {
                    closed = true;
                    List<HoldImpl> l = holds.get(bundle);
                    if (l != null) {
                        l.remove(this);
                        if (l.isEmpty()) {
                            holds.remove(bundle);
                        }
                    }
                }
            }
        }
    }

    @Override
    public synchronized Hold hold(Bundle module, String user) {
        HoldImpl h = new HoldImpl(module.getBundleId(), user);
        holds.computeIfAbsent(module.getBundleId(), k -> new ArrayList<>()).add(h);
        return h;
    }

    @Override
    public synchronized List<String> users(Bundle module) {
        List<String> out = new ArrayList<>();
        for (HoldImpl h : holds.getOrDefault(module.getBundleId(), List.of())) {
            out.add(h.user);
        }
        return out;
    }
}
