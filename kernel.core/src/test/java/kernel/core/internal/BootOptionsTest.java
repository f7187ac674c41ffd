package kernel.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import kernel.log.Level;
import org.junit.jupiter.api.Test;

class BootOptionsTest {
    @Test
    void defaults() {
        BootOptions o = BootOptions.from(new HashMap<String, String>()::get);
        assertEquals(256L << 20, o.memory());
        assertEquals(1, o.cpus());
        assertEquals(List.of(), o.disks());
        assertEquals("", o.cmdline());
        assertEquals(Level.INFO, o.consoleLevel());
    }

    @Test
    void parsesEveryOption() {
        Map<String, String> m = Map.of(
                "kestrel.memory", "512M",
                "kestrel.cpus", " 4 ",
                "kestrel.disk.0", " /img/a.img ",
                "kestrel.disk.1", "/img/b.img,readonly",
                "kestrel.disk.3", "/img/ignored.img",
                "kestrel.cmdline", "root=/dev/vda quiet",
                "kestrel.loglevel", "Warning");
        BootOptions o = BootOptions.from(m::get);
        assertEquals(512L << 20, o.memory());
        assertEquals(4, o.cpus());
        assertEquals(List.of("/img/a.img", "/img/b.img,readonly"), o.disks(), "disks stop at the first gap");
        assertEquals("root=/dev/vda quiet", o.cmdline());
        assertEquals(Level.WARN, o.consoleLevel());
        assertEquals(2L << 30, BootOptions.from(Map.of("kestrel.memory", "2G")::get).memory());
    }

    @Test
    void blankValuesMeanDefault() {
        BootOptions o = BootOptions.from(Map.of("kestrel.memory", " ", "kestrel.cpus", "", "kestrel.loglevel", "")::get);
        assertEquals(256L << 20, o.memory());
        assertEquals(1, o.cpus());
        assertEquals(Level.INFO, o.consoleLevel());
    }

    private static void rejected(String key, String value, String option) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BootOptions.from(Map.of(key, value)::get));
        assertTrue(e.getMessage().startsWith(option + ":"), e.getMessage());
        assertTrue(e.getMessage().contains(value.trim()), e.getMessage());
    }

    @Test
    void badValuesAreRejectedNamingTheOption() {
        rejected("kestrel.memory", "lots", "memory");
        rejected("kestrel.memory", "12X", "memory");
        rejected("kestrel.cpus", "two", "cpus");
        rejected("kestrel.cpus", "0", "cpus");
        rejected("kestrel.cpus", "-2", "cpus");
        rejected("kestrel.cpus", "100000", "cpus");
        rejected("kestrel.loglevel", "chatty", "loglevel");
    }
}
