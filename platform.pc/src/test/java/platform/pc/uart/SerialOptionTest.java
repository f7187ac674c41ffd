package platform.pc.uart;

import static org.junit.jupiter.api.Assertions.*;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SerialOptionTest {
    @TempDir
    Path dir;

    @Test
    void parsesTheThreeForms() {
        assertEquals(new SerialOption(SerialOption.Kind.STDIO, null, 0), SerialOption.parse("stdio"));
        assertEquals(new SerialOption(SerialOption.Kind.FILE, Path.of("/tmp/a b.log"), 0),
                SerialOption.parse("file:/tmp/a b.log"));
        assertEquals(new SerialOption(SerialOption.Kind.TCP, null, 4555), SerialOption.parse("tcp:4555"));
        assertEquals("tcp:4555", SerialOption.parse("tcp:4555").toString());
    }

    private static void refused(String spec, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SerialOption.parse(spec));
        assertTrue(e.getMessage().startsWith("--serial " + spec + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        refused("", "empty");
        refused("pty", "unknown serial backend");
        refused("STDIO", "unknown serial backend");
        refused("file:", "missing file path");
        refused("tcp:", "bad TCP port ''");
        refused("tcp:http", "bad TCP port 'http'");
        refused("tcp:0", "bad TCP port '0'");
        refused("tcp:65536", "bad TCP port '65536'");
        refused("tcp:-1", "bad TCP port '-1'");
        refused("tcp:+80", "bad TCP port '+80'");
        refused("tcp:99999999999", "1..65535");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SerialOption.parse(null));
        assertTrue(e.getMessage().startsWith("--serial"));
    }

    @Test
    void openCreatesTheBackend() throws Exception {
        Path f = dir.resolve("s.log");
        try (SerialBackend b = SerialOption.parse("file:" + f).open()) {
            assertInstanceOf(FileBackend.class, b);
        }
        try (SerialBackend b = SerialOption.parse("stdio").open()) {
            assertInstanceOf(StdioBackend.class, b);
        }
        try (TcpBackend first = new TcpBackend(0)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> SerialOption.parse("tcp:" + first.port()).open());
            assertTrue(e.getMessage().startsWith("--serial tcp:" + first.port()), e.getMessage());
        }
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> SerialOption.parse("file:" + dir.resolve("missing/x")).open());
        assertTrue(e.getMessage().startsWith("--serial file:"), e.getMessage());
    }
}
