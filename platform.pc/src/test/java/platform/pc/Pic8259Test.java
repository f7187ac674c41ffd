package platform.pc;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The legacy 8259A pair, from the 8259A datasheet. */
class Pic8259Test {
    private final IoPorts io = new IoPorts();
    private final Pic8259 pic = new Pic8259();

    Pic8259Test() {
        pic.register(io);
    }

    /** The ICW sequence Linux and most kernels use: vectors 0x20 and 0x28. */
    private void init(int master, int slave) {
        io.out(0x20, 1, 0x11);
        io.out(0x21, 1, master);
        io.out(0x21, 1, 0x04);
        io.out(0x21, 1, 0x01);
        io.out(0xA0, 1, 0x11);
        io.out(0xA1, 1, slave);
        io.out(0xA1, 1, 0x02);
        io.out(0xA1, 1, 0x01);
    }

    @Test
    void presentAndMaskedByDefaultAndAfterFirmware() {
        assertEquals(0xFFFF, pic.masks());
        pic.firmwareInit();
        assertEquals(0xFF, io.in(0x21, 1));
        assertEquals(0xFF, io.in(0xA1, 1));
        pic.setIrq(1, true);
        assertFalse(pic.intr());
        assertEquals(0x0F, pic.acknowledge()); // spurious IRQ 7 at the BIOS base 0x08
    }

    @Test
    void initSequenceClearsMaskAndSetsVectors() {
        init(0x20, 0x28);
        assertEquals(0, io.in(0x21, 1)); // ICW1 clears the IMR
        io.out(0x21, 1, 0xFB); // OCW1: everything but the cascade masked
        io.out(0xA1, 1, 0xFF);
        assertEquals(0xFB, io.in(0x21, 1));
        pic.setIrq(0, true);
        assertFalse(pic.intr());
        io.out(0x21, 1, 0xFA);
        assertTrue(pic.intr());
        assertEquals(0x20, pic.acknowledge());
        // ISR read through OCW3
        io.out(0x20, 1, 0x0B);
        assertEquals(0x01, io.in(0x20, 1));
        io.out(0x20, 1, 0x0A);
        assertEquals(0x00, io.in(0x20, 1)); // IRR: edge request consumed
        io.out(0x20, 1, 0x20); // non-specific EOI
        io.out(0x20, 1, 0x0B);
        assertEquals(0, io.in(0x20, 1));
    }

    @Test
    void priorityCascadeAndEoi() {
        init(0x20, 0x28);
        List<Boolean> edges = new ArrayList<>();
        pic.setIntrListener(edges::add);
        pic.setIrq(4, true);
        pic.setIrq(12, true); // slave IR4, through the master's IR2
        assertEquals(0x2C, pic.acknowledge()); // IR2 outranks IR4
        assertTrue(pic.intr() == false); // IR4 is lower than the in-service IR2
        io.out(0xA0, 1, 0x20);
        io.out(0x20, 1, 0x62); // specific EOI for IR2
        assertTrue(pic.intr());
        assertEquals(0x24, pic.acknowledge());
        io.out(0x20, 1, 0x20);
        assertFalse(pic.intr());
        assertEquals(List.of(true, false, true, false), edges);
    }

    @Test
    void levelTriggeredReRequestsAfterEoi() {
        io.out(0x20, 1, 0x19); // ICW1 with LTIM, single? no: cascade, IC4
        io.out(0x21, 1, 0x20);
        io.out(0x21, 1, 0x04);
        io.out(0x21, 1, 0x01);
        pic.setIrq(3, true);
        assertEquals(0x23, pic.acknowledge());
        io.out(0x20, 1, 0x20);
        assertTrue(pic.intr());
        pic.setIrq(3, false);
        assertFalse(pic.intr());
        assertEquals(0x27, pic.acknowledge()); // the request went away: spurious IRQ 7
        io.out(0x20, 1, 0x0B);
        assertEquals(0, io.in(0x20, 1)); // spurious sets no ISR bit
    }

    @Test
    void autoEoiAndPollMode() {
        io.out(0x20, 1, 0x13); // single, IC4
        io.out(0x21, 1, 0x40);
        io.out(0x21, 1, 0x03); // AEOI, 8086
        pic.setIrq(5, true);
        assertEquals(0x45, pic.acknowledge());
        io.out(0x20, 1, 0x0B);
        assertEquals(0, io.in(0x20, 1)); // AEOI: nothing in service
        pic.setIrq(5, false);
        pic.setIrq(6, true);
        io.out(0x20, 1, 0x0C); // OCW3 poll
        assertEquals(0x86, io.in(0x20, 1));
        io.out(0x20, 1, 0x0C);
        assertEquals(0x00, io.in(0x20, 1));
    }

    @Test
    void rotationChangesPriority() {
        init(0x20, 0x28);
        io.out(0x20, 1, 0xC3); // set priority: IR3 lowest, IR4 highest
        pic.setIrq(1, true);
        pic.setIrq(5, true);
        assertEquals(0x25, pic.acknowledge());
        io.out(0x20, 1, 0xA0); // rotate on non-specific EOI: IR5 becomes lowest
        assertEquals(0x21, pic.acknowledge());
    }

    @Test
    void badAccessesIgnored() {
        assertEquals(0xFFFF, io.in(0x20, 2));
        io.out(0x21, 2, 0);
        io.out(0x20, 4, 0x11);
        assertEquals(0xFFFF, pic.masks());
        pic.setIrq(2, true);
        pic.setIrq(16, true);
        pic.setIrq(-1, true);
        assertFalse(pic.intr());
        assertEquals(0xFF, pic.in(0x22, 1));
        pic.out(0x22, 1, 0);
    }
}
