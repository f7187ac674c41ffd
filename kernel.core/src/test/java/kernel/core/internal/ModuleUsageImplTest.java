package kernel.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Proxy;
import java.util.List;
import kernel.core.ModuleUsage;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;

class ModuleUsageImplTest {
    static Bundle bundle(long id, String name) {
        return (Bundle) Proxy.newProxyInstance(Bundle.class.getClassLoader(), new Class<?>[] {Bundle.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getBundleId" -> id;
                    case "getSymbolicName" -> name;
                    case "hashCode" -> Long.hashCode(id);
                    case "equals" -> p == a[0];
                    case "toString" -> name + "[" + id + "]";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void holdsAreListedInOrderPerBundle() {
        ModuleUsageImpl u = new ModuleUsageImpl();
        Bundle a = bundle(5, "drivers.virtio.blk");
        Bundle b = bundle(6, "fs.fat");
        assertEquals(List.of(), u.users(a));
        ModuleUsage.Hold h1 = u.hold(a, "/dev/vda mounted on /mnt");
        ModuleUsage.Hold h2 = u.hold(a, "/dev/vdb mounted on /boot");
        ModuleUsage.Hold h3 = u.hold(b, "vfat on /mnt");
        assertEquals(List.of("/dev/vda mounted on /mnt", "/dev/vdb mounted on /boot"), u.users(a));
        assertEquals(List.of("vfat on /mnt"), u.users(b));
        h1.close();
        assertEquals(List.of("/dev/vdb mounted on /boot"), u.users(a));
        h2.close();
        h3.close();
        assertEquals(List.of(), u.users(a));
        assertEquals(List.of(), u.users(b));
    }

    @Test
    void closeIsIdempotentAndDoesNotDropAnotherHoldOfTheSameUser() {
        ModuleUsageImpl u = new ModuleUsageImpl();
        Bundle a = bundle(7, "m");
        ModuleUsage.Hold h1 = u.hold(a, "same");
        ModuleUsage.Hold h2 = u.hold(a, "same");
        h1.close();
        h1.close();
        assertEquals(List.of("same"), u.users(a));
        h2.close();
        assertEquals(List.of(), u.users(a));
    }

    @Test
    void holdsAreKeyedByBundleIdNotName() {
        ModuleUsageImpl u = new ModuleUsageImpl();
        Bundle old = bundle(10, "fs.fat");
        Bundle reinstalled = bundle(11, "fs.fat");
        ModuleUsage.Hold stale = u.hold(old, "stale");
        assertEquals(List.of(), u.users(reinstalled));
        assertEquals(List.of("stale"), u.users(bundle(10, "other-name")));
        stale.close();
        assertEquals(List.of(), u.users(old));
    }

    @Test
    void usersReturnsASnapshot() {
        ModuleUsageImpl u = new ModuleUsageImpl();
        Bundle a = bundle(1, "a");
        ModuleUsage.Hold h = u.hold(a, "x");
        List<String> snap = u.users(a);
        h.close();
        assertEquals(List.of("x"), snap);
    }
}
