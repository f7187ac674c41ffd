package fkx.loader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import fkx.loader.FkxClass;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModuleHeadersTest {
    private static Map<String, String> good() {
        Map<String, String> m = new HashMap<>();
        m.put("FKX-Name", " drivers.virtio.blk ");
        m.put("FKX-Class", "Driver");
        m.put("FKX-API-Version", " 1 ");
        return m;
    }

    @Test
    void minimalHeaders() {
        ModuleHeaders h = ModuleHeaders.parse(good()::get);
        assertEquals("drivers.virtio.blk", h.name());
        assertEquals(FkxClass.DRIVER, h.fkxClass());
        assertEquals(1, h.apiVersion());
        assertEquals(Set.of(), h.flags());
        assertEquals(List.of(), h.devices());
        assertTrue(ModuleHeaders.isModule(good()::get));
        assertFalse(ModuleHeaders.isModule(Map.<String, String>of()::get));
    }

    @Test
    void flagsAndDevices() {
        Map<String, String> m = good();
        m.put("FKX-Flags", "core, required,,");
        m.put("FKX-Devices", "pci:1af4:1042 , pci:1af4:1001,");
        ModuleHeaders h = ModuleHeaders.parse(m::get);
        assertEquals(Set.of("core", "required"), h.flags());
        assertEquals(List.of("pci:1af4:1042", "pci:1af4:1001"), h.devices());
        m.put("FKX-Flags", "  ");
        assertEquals(Set.of(), ModuleHeaders.parse(m::get).flags());
    }

    @Test
    void everyClassParses() {
        for (FkxClass c : FkxClass.values()) {
            Map<String, String> m = good();
            m.put("FKX-Class", c.label());
            assertEquals(c, ModuleHeaders.parse(m::get).fkxClass());
        }
    }

    private static String error(Map<String, String> m) {
        return assertThrows(IllegalArgumentException.class, () -> ModuleHeaders.parse(m::get)).getMessage();
    }

    @Test
    void missingHeadersAreNamed() {
        Map<String, String> m = good();
        m.remove("FKX-Name");
        assertTrue(error(m).contains("missing FKX-Name"));
        m = good();
        m.put("FKX-Name", "  ");
        assertTrue(error(m).contains("missing FKX-Name"));
        m = good();
        m.remove("FKX-Class");
        String e = error(m);
        assertTrue(e.contains("missing FKX-Class") && e.contains("drivers.virtio.blk"), e);
        m = good();
        m.remove("FKX-API-Version");
        e = error(m);
        assertTrue(e.contains("missing FKX-API-Version") && e.contains("drivers.virtio.blk"), e);
    }

    @Test
    void invalidValuesAreNamed() {
        Map<String, String> m = good();
        m.put("FKX-Class", "gadget");
        String e = error(m);
        assertTrue(e.contains("FKX-Class") && e.contains("gadget"), e);
        m = good();
        m.put("FKX-API-Version", "one");
        e = error(m);
        assertTrue(e.contains("FKX-API-Version") && e.contains("one"), e);
        m = good();
        m.put("FKX-Flags", "core, turbo");
        e = error(m);
        assertTrue(e.contains("FKX-Flags") && e.contains("turbo"), e);
    }
}
