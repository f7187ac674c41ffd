package platform.pc;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PhysicalBusTest {
    private final Ram ram = new Ram(0x4000);
    private final PhysicalBus bus = new PhysicalBus();

    /** Records accesses and answers reads with 0x1122334455667788 shifted by the offset. */
    static final class Recorder implements MmioHandler {
        final List<String> log = new ArrayList<>();

        @Override
        public long read(long offset, int size) {
            log.add("r" + size + "@" + offset);
            return 0x1122334455667788L;
        }

        @Override
        public void write(long offset, int size, long value) {
            log.add("w" + size + "@" + offset + "=" + Long.toHexString(value));
        }
    }

    @AfterEach
    void close() {
        ram.close();
    }

    @Test
    void ramIsLittleEndianAtEverySize() {
        bus.mapRam(0x10000, ram, 0, 0x4000);
        bus.write(0x10000, 8, 0x0807060504030201L);
        assertEquals(0x01, bus.read(0x10000, 1));
        assertEquals(0x0302, bus.read(0x10001, 2) >>> 0 & 0xFFFF, "unaligned 16-bit");
        assertEquals(0x05040302L, bus.read(0x10001, 4));
        assertEquals(0x0807060504030201L, bus.read(0x10000, 8));
        assertEquals(0x01, ram.read8(0));
        assertEquals(0x04030201, ram.read32(0));
        bus.write(0x10004, 2, 0xABCDEF); // only the low 16 bits are stored
        assertEquals(0x0807CDEF04030201L, bus.read(0x10000, 8));
        // zero extension of high-bit values
        bus.write(0x10010, 4, 0xFFFF_FFFEL);
        assertEquals(0xFFFF_FFFEL, bus.read(0x10010, 4));
        assertEquals(0xFE, bus.read(0x10010, 1));
    }

    @Test
    void unmappedReadsAreAllOnesAndWritesAreDropped() {
        assertEquals(0xFF, bus.read(0x5000, 1));
        assertEquals(0xFFFF, bus.read(0x5000, 2));
        assertEquals(0xFFFF_FFFFL, bus.read(0x5000, 4));
        assertEquals(-1L, bus.read(0x5000, 8));
        bus.write(0x5000, 4, 0);
        assertEquals(4, bus.unmappedReads());
        assertEquals(1, bus.unmappedWrites());
        assertThrows(IllegalArgumentException.class, () -> bus.read(0, 3));
    }

    @Test
    void mmioGetsRelativeOffsetsAndMaskedValues() {
        Recorder r = new Recorder();
        bus.mapMmio(0xFEB0_0000L, 0x1000, r, "dev");
        assertEquals(0x88, bus.read(0xFEB0_0010L, 1));
        assertEquals(0x55667788L, bus.read(0xFEB0_0014L, 4));
        bus.write(0xFEB0_0ff8L, 8, 0x1234);
        assertEquals(List.of("r1@16", "r4@20", "w8@4088=1234"), r.log);
        assertTrue(bus.unmapMmio(0xFEB0_0000L));
        assertFalse(bus.unmapMmio(0xFEB0_0000L));
        assertEquals(0xFFFF_FFFFL, bus.read(0xFEB0_0014L, 4));
        assertEquals(3, r.log.size());
    }

    @Test
    void overlappingMappingsAreRefused() {
        bus.mapRam(0, ram, 0, 0x4000);
        assertThrows(IllegalArgumentException.class, () -> bus.mapMmio(0x3000, 0x2000, new Recorder(), "x"));
        bus.mapMmio(0x4000, 0x1000, new Recorder(), "adjacent");
        assertThrows(IllegalArgumentException.class, () -> bus.mapRam(0x1001, ram, 0, 0x1000));
        assertEquals(2, bus.mappings().size());
    }

    @Test
    void bulkSpansAdjacentRamMappings() {
        // two discontiguous parts of one Ram placed back to back in physical space
        bus.mapRam(0x1000, ram, 0x3000, 0x1000);
        bus.mapRam(0x2000, ram, 0x0000, 0x1000);
        byte[] src = new byte[64];
        for (int i = 0; i < src.length; i++) {
            src[i] = (byte) i;
        }
        bus.write(0x1FE0, src, 0, 64);
        assertEquals(31, ram.read8(0x3FFF));
        assertEquals(32, ram.read8(0));
        byte[] dst = new byte[64];
        bus.read(0x1FE0, dst, 0, 64);
        assertArrayEquals(src, dst);
        assertTrue(bus.isRam(0x1000, 0x2000));
        assertFalse(bus.isRam(0x1000, 0x2001));
        assertTrue(bus.isRam(0x5000, 0));
        assertNotNull(bus.ramSlice(0x1000, 0x1000));
        assertNull(bus.ramSlice(0x1FFF, 2), "crosses mappings");
    }

    @Test
    void bulkTouchingNonRamThrowsBusErrorWithoutPartialWrite() {
        bus.mapRam(0, ram, 0, 0x4000);
        Recorder r = new Recorder();
        bus.mapMmio(0x4000, 0x1000, r, "dev");
        byte[] buf = new byte[32];
        java.util.Arrays.fill(buf, (byte) 0x5A);
        BusError e = assertThrows(BusError.class, () -> bus.write(0x3FF0, buf, 0, 32));
        assertEquals(0x3FF0, e.address());
        assertEquals(0, ram.read8(0x3FF0), "nothing written");
        assertThrows(BusError.class, () -> bus.read(0x3FF0, buf, 0, 32));
        assertThrows(BusError.class, () -> bus.read(0x9000, buf, 0, 1));
        assertTrue(r.log.isEmpty(), "bulk never reaches MMIO");
        assertFalse(bus.isRam(-5, 10));
    }

    @Test
    void scalarAccessStraddlingRamEndSplitsIntoBytes() {
        bus.mapRam(0, ram, 0, 0x4000);
        ram.write16(0x3FFE, 0xBBAA);
        assertEquals(0xFFFFBBAAL, bus.read(0x3FFE, 4));
        bus.write(0x3FFF, 2, 0x1122); // low byte lands, high byte dropped
        assertEquals(0x22, ram.read8(0x3FFF));
    }

    @Test
    void ramRejectsBadSizesAndClosesIdempotently() {
        assertThrows(IllegalArgumentException.class, () -> new Ram(1000));
        Ram r = new Ram(4096);
        r.write64(8, -2);
        assertEquals(-2, r.read64(8));
        r.close();
        r.close();
        assertThrows(IllegalStateException.class, () -> r.read8(0));
    }
}
