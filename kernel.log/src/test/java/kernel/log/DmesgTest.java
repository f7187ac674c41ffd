package kernel.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DmesgTest {
    private final Dmesg d = Dmesg.get();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @BeforeEach
    void reset() {
        d.clear();
        d.setConsole(new PrintStream(console, true));
        d.setConsoleLevel(Level.WARN);
        d.setRecordLevel(Level.DEBUG);
    }

    @AfterEach
    void restore() {
        d.clear();
        d.setConsole(System.out);
        d.setConsoleLevel(Level.INFO);
        d.setRecordLevel(Level.DEBUG);
    }

    private static List<String> messages(List<Dmesg.Entry> es) {
        return es.stream().map(Dmesg.Entry::message).toList();
    }

    @Test
    void ringKeepsTheLastCapacityRecordsOldestFirst() {
        int total = Dmesg.CAPACITY + 10;
        for (int i = 0; i < total; i++) {
            d.log(Level.INFO, "t", "m" + i);
        }
        List<Dmesg.Entry> es = d.entries(Level.TRACE, null);
        assertEquals(Dmesg.CAPACITY, es.size());
        assertEquals("m10", es.get(0).message());
        assertEquals("m" + (total - 1), es.get(es.size() - 1).message());
        for (int i = 1; i < es.size(); i++) {
            assertEquals(es.get(i - 1).seq() + 1, es.get(i).seq(), "sequence numbers are consecutive");
        }
        assertEquals(10, es.get(0).seq());
    }

    @Test
    void levelFilterKeepsAtLeastAsSevere() {
        d.log(Level.ERROR, "a", "e");
        d.log(Level.WARN, "a", "w");
        d.log(Level.INFO, "a", "i");
        d.log(Level.DEBUG, "a", "d");
        assertEquals(List.of("e", "w"), messages(d.entries(Level.WARN, null)));
        assertEquals(List.of("e"), messages(d.entries(Level.ERROR, null)));
        assertEquals(List.of("e", "w", "i", "d"), messages(d.entries(Level.TRACE, null)));
    }

    @Test
    void componentFilterMatchesItselfAndSubcomponentsOnly() {
        d.log(Level.INFO, "kernel.mm", "1");
        d.log(Level.INFO, "kernel.mmx", "2");
        d.log(Level.INFO, "kernel.mm.dma", "3");
        d.log(Level.INFO, "kernel", "4");
        d.log(Level.INFO, "drivers.nvme", "5");
        assertEquals(List.of("1", "3"), messages(d.entries(Level.TRACE, "kernel.mm")));
        assertEquals(List.of("1", "2", "3", "4"), messages(d.entries(Level.TRACE, "kernel")));
        assertEquals(List.of(), messages(d.entries(Level.TRACE, "kern")));
    }

    @Test
    void recordLevelDropsRecordsAndConsoleLevelPrints() {
        d.setRecordLevel(Level.INFO);
        d.log(Level.DEBUG, "c", "dropped");
        d.log(Level.INFO, "c", "kept");
        d.log(Level.ERROR, "c", "loud");
        assertEquals(List.of("kept", "loud"), messages(d.entries(Level.TRACE, null)));
        String out = console.toString();
        assertTrue(out.contains("c: loud"), out);
        assertFalse(out.contains("kept"), out);
        assertFalse(out.contains("dropped"), out);
        assertTrue(d.enabled(Level.INFO));
        assertFalse(d.enabled(Level.DEBUG));
        d.setConsoleLevel(Level.TRACE);
        assertTrue(d.enabled(Level.DEBUG), "console level also enables");
    }

    @Test
    void clearEmptiesTheBufferAndRestartsSequence() {
        d.log(Level.INFO, "x", "a");
        d.clear();
        assertEquals(List.of(), d.entries(Level.TRACE, null));
        d.log(Level.INFO, "x", "b");
        List<Dmesg.Entry> es = d.entries(Level.TRACE, null);
        assertEquals(List.of("b"), messages(es));
        assertEquals(0, es.get(0).seq());
    }

    @Test
    void formatLooksLikeDmesg() {
        assertEquals("[    1.234567] kernel.mm: hello",
                new Dmesg.Entry(0, 1_234_567_890L, Level.INFO, "kernel.mm", "hello").format());
        assertEquals("[12345.000001] c: m", new Dmesg.Entry(0, 12_345_000_001_000L, Level.INFO, "c", "m").format());
    }

    @Test
    void levelParse() {
        assertEquals(Level.WARN, Level.parse(" Warning "));
        assertEquals(Level.ERROR, Level.parse("err"));
        assertEquals(Level.TRACE, Level.parse("TRACE"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Level.parse("loud"));
        assertTrue(e.getMessage().contains("loud"));
        assertTrue(Level.ERROR.atLeast(Level.WARN));
        assertFalse(Level.DEBUG.atLeast(Level.INFO));
    }
}
