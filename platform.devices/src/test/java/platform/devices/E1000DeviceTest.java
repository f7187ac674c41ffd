package platform.devices;

import static org.junit.jupiter.api.Assertions.*;
import static platform.devices.E1000Device.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import platform.devices.net.EthernetSwitch;
import platform.devices.net.Frames;
import platform.devices.net.MacAddress;
import platform.devices.net.NetPort;
import platform.pc.Machine;
import platform.pc.PhysicalBus;
import platform.pc.pci.PciFunction;

/** Drives the 82540EM model at register level, as a driver written from the 8254x SDM would. */
class E1000DeviceTest {
    static final int SLOT = 3;
    static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    static final MacAddress PEER = MacAddress.parse("52:54:00:aa:bb:cc");
    static final long RX_RING = 0x100000, TX_RING = 0x101000, RX_BUFS = 0x110000, TX_BUF = 0x120000;
    static final int RX_COUNT = 8, TX_COUNT = 8;

    EthernetSwitch sw;
    NetPort peer;
    List<byte[]> peerGot;
    E1000Device dev;
    Machine m;
    PhysicalBus bus;
    long regs;

    @BeforeEach
    void setUp() {
        boot(new EthernetSwitch("t"));
    }

    void boot(EthernetSwitch s) {
        sw = s;
        dev = new E1000Device(sw.newPort("e1000"), MAC);
        peer = sw.newPort("peer");
        peerGot = new ArrayList<>();
        peer.attach((b, o, l) -> {
            synchronized (peerGot) {
                peerGot.add(Arrays.copyOfRange(b, o, o + l));
            }
        });
        m = Machine.builder().memory(32L << 20).device(SLOT, dev).build().powerOn();
        bus = m.bus();
        cfgWrite(PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_BUS_MASTER | PciFunction.CMD_IO_SPACE);
        regs = dev.barAddress(0);
        assertNotEquals(0, regs, "BAR0 assigned");
    }

    @AfterEach
    void tearDown() {
        m.close();
        dev.close();
    }

    long cfgRead(int off, int size) {
        return m.pci().configRead(0, SLOT, 0, off, size);
    }

    void cfgWrite(int off, int size, long v) {
        m.pci().configWrite(0, SLOT, 0, off, size, v);
    }

    long rd(int reg) {
        return bus.read(regs + reg, 4);
    }

    void wr(int reg, long v) {
        bus.write(regs + reg, 4, v);
    }

    int eeprom(int word) {
        wr(EERD, (word << 8) | EERD_START);
        long v = rd(EERD);
        assertTrue((v & EERD_DONE) != 0, "EERD done");
        assertEquals(0, v & EERD_START, "START self-clears");
        assertEquals(word & 0xFF, (v >>> 8) & 0xFF);
        return (int) (v >>> 16);
    }

    void linkUp() {
        wr(CTRL, rd(CTRL) | CTRL_SLU);
        assertTrue((rd(STATUS) & STATUS_LU) != 0);
    }

    /** Receive ring of RX_COUNT descriptors, 2 KiB buffers, all but one given to the device. */
    void setUpRx(int rctlExtra) {
        for (int i = 0; i < RX_COUNT; i++) {
            bus.write(RX_RING + 16L * i, 8, RX_BUFS + 2048L * i);
            bus.write(RX_RING + 16L * i + 8, 8, 0);
        }
        wr(RDBAL, RX_RING);
        wr(RDBAH, 0);
        wr(RDLEN, RX_COUNT * 16);
        wr(RDH, 0);
        wr(RDT, RX_COUNT - 1);
        wr(RCTL, RCTL_EN | rctlExtra);
    }

    void setUpTx() {
        wr(TDBAL, TX_RING);
        wr(TDBAH, 0);
        wr(TDLEN, TX_COUNT * 16);
        wr(TDH, 0);
        wr(TDT, 0);
        wr(TCTL, TCTL_EN | TCTL_PSP);
    }

    static byte[] frame(MacAddress dst, MacAddress src, int len) {
        byte[] f = new byte[len];
        dst.put(f, 0);
        src.put(f, 6);
        f[12] = 0x08;
        f[13] = 0x00;
        for (int i = 14; i < len; i++) {
            f[i] = (byte) (i * 7);
        }
        return f;
    }

    byte[] ram(long addr, int len) {
        return TestMemory.read(bus, addr, len);
    }

    int rxStatus(int i) {
        return (int) bus.read(RX_RING + 16L * i + 12, 1);
    }

    int rxLength(int i) {
        return (int) bus.read(RX_RING + 16L * i + 8, 2);
    }

    @Test
    void pciIdentity() {
        assertEquals(0x100E_8086L, cfgRead(0, 4));
        assertEquals(0x020000, cfgRead(PciFunction.CLASS_CODE, 3));
        assertEquals(1, cfgRead(PciFunction.INTERRUPT_PIN, 1));
        assertEquals(REG_BAR_SIZE, dev.bar(0).size());
        assertEquals(PciFunction.BarType.MEMORY32, dev.bar(0).type());
        assertEquals(PciFunction.BarType.IO, dev.bar(1).type());
        assertEquals(0, cfgRead(PciFunction.STATUS, 2) & PciFunction.STATUS_CAPABILITIES_LIST, "no MSI on the 82540EM");
    }

    @Test
    void eepromMacAndChecksum() {
        byte[] b = MAC.bytes();
        for (int i = 0; i < 3; i++) {
            assertEquals((b[2 * i] & 0xFF) | (b[2 * i + 1] & 0xFF) << 8, eeprom(i));
        }
        int sum = 0;
        for (int i = 0; i < 64; i++) {
            sum += eeprom(i);
        }
        assertEquals(0xBABA, sum & 0xFFFF);
        assertEquals(0x100E, eeprom(0x0D));
        assertEquals(0x8086, eeprom(0x0E));
        // RAL0/RAH0 were loaded from the EEPROM, address valid
        assertEquals(0x12005452L, rd(RAL0));
        assertEquals(0x8000_5634L, rd(RAH0));
        assertTrue((rd(EECD) & EECD_PRES) != 0);
    }

    @Test
    void resetRestoresDefaultsAndSelfClears() {
        wr(IMS, ICR_RXT0);
        wr(RCTL, RCTL_EN | RCTL_UPE);
        wr(RDLEN, 1024);
        wr(RAL0, 0x11223344);
        wr(TIPG, 0x0060200A);
        assertEquals(0x0060200AL, rd(TIPG));
        linkUp();
        wr(CTRL, rd(CTRL) | CTRL_RST);
        assertEquals(0, rd(CTRL) & CTRL_RST, "RST self-clears");
        assertEquals(0, rd(CTRL) & CTRL_SLU);
        assertEquals(0, rd(IMS));
        assertEquals(0, rd(RCTL));
        assertEquals(0, rd(RDLEN));
        assertEquals(0, rd(TIPG));
        assertEquals(0x12005452L, rd(RAL0), "RA0 reloaded from the EEPROM");
        assertEquals(0, rd(STATUS) & STATUS_LU, "link needs SLU again");
        assertEquals(0, rd(ICR));
    }

    @Test
    void unknownRegistersReadZeroAndIgnoreWrites() {
        wr(0x0004, 0xFFFF_FFFFL);
        wr(0x1F000, 0x1234);
        assertEquals(0, rd(0x0004));
        assertEquals(0, rd(0x1F000));
        assertEquals(0, rd(ICS), "ICS is write-only");
        assertEquals(0, dev.intxAssertions(), "nothing raised");
    }

    @Test
    void statusLinkAndLsc() {
        assertEquals(0, rd(STATUS) & STATUS_LU, "SLU not yet set");
        wr(IMS, ICR_LSC);
        linkUp();
        long st = rd(STATUS);
        assertEquals(STATUS_FD, st & STATUS_FD);
        assertEquals(STATUS_SPEED_1000, st & (3 << 6));
        assertTrue(dev.interruptAsserted());
        assertTrue((cfgRead(PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT) != 0);
        assertEquals(ICR_LSC, rd(ICR) & ICR_LSC);
        assertFalse(dev.interruptAsserted());
        dev.setLinkUp(false);
        assertEquals(0, rd(STATUS) & STATUS_LU);
        assertTrue(dev.interruptAsserted());
        assertEquals(ICR_LSC, rd(ICR));
        dev.setLinkUp(true);
        assertEquals(STATUS_LU, rd(STATUS) & STATUS_LU);
        assertEquals(ICR_LSC, rd(ICR));
        dev.setLinkUp(true);
        assertEquals(0, rd(ICR), "no change, no LSC");
        // the PHY reports the link too
        wr(MDIC, (2L << 26) | (1 << 21) | (1 << 16));
        long mdic = rd(MDIC);
        assertTrue((mdic & MDIC_READY) != 0);
        assertEquals(0x4, mdic & 0x4, "PHY status link bit");
        wr(MDIC, (2L << 26) | (1 << 21) | (2 << 16));
        assertEquals(0x0141, rd(MDIC) & 0xFFFF);
        wr(MDIC, (2L << 26) | (5 << 21) | (2 << 16));
        assertTrue((rd(MDIC) & MDIC_ERROR) != 0, "no PHY at address 5");
    }

    @Test
    void icrReadToClearAndImsImcMasking() {
        wr(ICS, ICR_TXDW | ICR_RXT0);
        assertFalse(dev.interruptAsserted(), "masked");
        wr(IMS, ICR_RXT0);
        assertEquals(ICR_RXT0, rd(IMS));
        assertTrue(dev.interruptAsserted());
        wr(IMC, ICR_RXT0);
        assertEquals(0, rd(IMS));
        assertFalse(dev.interruptAsserted());
        wr(IMS, ICR_TXDW | ICR_RXT0);
        assertTrue(dev.interruptAsserted());
        wr(ICR, ICR_TXDW); // writing 1 clears that cause only
        assertTrue(dev.interruptAsserted());
        assertEquals(ICR_RXT0, rd(ICR));
        assertEquals(0, rd(ICR), "read clears");
        assertFalse(dev.interruptAsserted());
        // INTx disable in COMMAND keeps the line low; the pending state still shows in STATUS
        cfgWrite(PciFunction.COMMAND, 2, cfgRead(PciFunction.COMMAND, 2) | PciFunction.CMD_INTX_DISABLE);
        wr(ICS, ICR_RXT0);
        assertTrue(dev.interruptAsserted());
        assertFalse(dev.intxDriven());
        assertTrue((cfgRead(PciFunction.STATUS, 2) & PciFunction.STATUS_INTERRUPT) != 0);
        cfgWrite(PciFunction.COMMAND, 2, cfgRead(PciFunction.COMMAND, 2) & ~PciFunction.CMD_INTX_DISABLE);
        assertTrue(dev.intxDriven(), "still pending: the line comes back up");
    }

    @Test
    void intxReachesTheLocalApicThroughTheIoApic() throws Exception {
        int gsi = 16 + (SLOT + 1 - 1) % 4; // INTA of 00:03 after the swizzle
        assertEquals(gsi, cfgRead(PciFunction.INTERRUPT_LINE, 1), "firmware wrote the GSI");
        assertEquals(gsi, dev.intxGsi());
        // IOAPIC entry: vector 0x70, level-triggered, active low, physical destination APIC 0
        bus.write(Machine.IOAPIC_BASE, 4, 0x10 + 2 * gsi);
        bus.write(Machine.IOAPIC_BASE + 0x10, 4, platform.pc.IoApic.LEVEL | 1L << 13 | 0x70);
        wr(IMS, ICR_RXT0);
        assertEquals(-1, m.lapic(0).poll());
        wr(ICS, ICR_RXT0);
        assertTrue(m.lapic(0).levelTriggered(0x70) || m.lapic(0).requested(0x70));
        assertEquals(0x70, m.lapic(0).acceptInterrupt(0));
        m.lapic(0).eoi(); // not handled yet: the line is still asserted, so it comes again
        assertEquals(0x70, m.lapic(0).acceptInterrupt(0));
        assertEquals(ICR_RXT0, rd(ICR)); // the driver's ISR: read-to-clear drops the line
        m.lapic(0).eoi();
        assertEquals(-1, m.lapic(0).poll());
        assertEquals(0, m.pci().intxDrivers(gsi));
    }

    @Test
    void transmitReachesPeerAndWritesBackDd() {
        linkUp();
        assertEquals(ICR_LSC, rd(ICR));
        setUpTx();
        wr(IMS, ICR_TXDW);
        byte[] f = frame(PEER, MAC, 100);
        // the frame in two fragments: header (legacy descriptor 0) and payload (descriptor 1, EOP|RS)
        bus.write(TX_BUF, f, 0, 100);
        bus.write(TX_RING, 8, TX_BUF);
        bus.write(TX_RING + 8, 8, 14L | (long) TXD_IFCS << 24);
        bus.write(TX_RING + 16, 8, TX_BUF + 14);
        bus.write(TX_RING + 24, 8, 86L | (long) (TXD_EOP | TXD_IFCS | TXD_RS) << 24);
        // a short frame, padded by PSP
        byte[] s = frame(PEER, MAC, 20);
        bus.write(TX_BUF + 0x800, s, 0, 20);
        bus.write(TX_RING + 32, 8, TX_BUF + 0x800);
        bus.write(TX_RING + 40, 8, 20L | (long) (TXD_EOP | TXD_RS) << 24);
        wr(TDT, 3);
        assertEquals(3, rd(TDH));
        assertEquals(2, peerGot.size());
        assertArrayEquals(f, peerGot.get(0));
        assertEquals(60, peerGot.get(1).length);
        assertArrayEquals(s, Arrays.copyOf(peerGot.get(1), 20));
        assertEquals(0, bus.read(TX_RING + 12, 1) & TXD_STA_DD, "no RS, no write-back");
        assertEquals(TXD_STA_DD, bus.read(TX_RING + 28, 1) & TXD_STA_DD);
        assertEquals(TXD_STA_DD, bus.read(TX_RING + 44, 1) & TXD_STA_DD);
        assertTrue(dev.interruptAsserted());
        assertEquals(ICR_TXDW | ICR_TXQE, rd(ICR));
        assertEquals(2, rd(GPTC));
        assertEquals(0, rd(GPTC), "statistics clear on read");
    }

    @Test
    void transmitDisabledOrLinkDownSendsNothing() {
        setUpTx();
        wr(TCTL, 0);
        byte[] f = frame(PEER, MAC, 64);
        bus.write(TX_BUF, f, 0, 64);
        bus.write(TX_RING, 8, TX_BUF);
        bus.write(TX_RING + 8, 8, 64L | (long) (TXD_EOP | TXD_RS) << 24);
        wr(TDT, 1);
        assertEquals(0, rd(TDH), "TCTL.EN clear: ring idle");
        wr(TCTL, TCTL_EN); // enabling processes what is pending; link is down (no SLU): dropped
        assertEquals(1, rd(TDH));
        assertTrue(peerGot.isEmpty());
        assertEquals(1, dev.txDropped());
    }

    @Test
    void receiveIntoRingWithDdEopAndLength() {
        linkUp();
        setUpRx(RCTL_BAM);
        wr(IMS, ICR_RXT0);
        byte[] f = frame(MAC, PEER, 100);
        assertTrue(peer.send(f, 0, f.length));
        assertEquals(1, rd(RDH));
        assertEquals(RXD_DD | RXD_EOP, rxStatus(0) & (RXD_DD | RXD_EOP));
        assertEquals(104, rxLength(0), "length includes the FCS");
        assertArrayEquals(f, ram(RX_BUFS, 100));
        CRC32 crc = new CRC32();
        crc.update(f);
        long fcs = bus.read(RX_BUFS + 100, 4);
        assertEquals(crc.getValue(), fcs);
        assertTrue(dev.interruptAsserted());
        assertEquals(ICR_RXT0, rd(ICR) & ICR_RXT0);
        // SECRC strips the FCS; a short frame is padded to 60
        wr(RCTL, rd(RCTL) | RCTL_SECRC);
        byte[] s = frame(MAC, PEER, 42);
        peer.send(s, 0, s.length);
        assertEquals(60, rxLength(1));
        assertArrayEquals(s, ram(RX_BUFS + 2048, 42));
        assertEquals(2, rd(GPRC));
    }

    @Test
    void largeFrameSpansDescriptors() {
        linkUp();
        setUpRx((3 << 16) | RCTL_SECRC); // BSIZE 256
        byte[] f = frame(MAC, PEER, 600);
        peer.send(f, 0, f.length);
        assertEquals(3, rd(RDH));
        assertEquals(RXD_DD, rxStatus(0) & (RXD_DD | RXD_EOP));
        assertEquals(RXD_DD, rxStatus(1) & (RXD_DD | RXD_EOP));
        assertEquals(RXD_DD | RXD_EOP, rxStatus(2) & (RXD_DD | RXD_EOP));
        assertEquals(256, rxLength(0));
        assertEquals(88, rxLength(2));
        assertArrayEquals(Arrays.copyOfRange(f, 256, 512), ram(RX_BUFS + 2048, 256));
    }

    @Test
    void receiveFiltering() {
        linkUp();
        setUpRx(0);
        MacAddress other = MacAddress.parse("52:54:00:00:00:99");
        peer.send(frame(other, PEER, 64), 0, 64);
        assertEquals(0, rd(RDH), "unicast to another MAC dropped");
        peer.send(frame(MacAddress.BROADCAST, PEER, 64), 0, 64);
        assertEquals(0, rd(RDH), "broadcast dropped without BAM");
        assertEquals(2, dev.filteredFrames());
        wr(RCTL, RCTL_EN | RCTL_BAM);
        peer.send(frame(MacAddress.BROADCAST, PEER, 64), 0, 64);
        assertEquals(1, rd(RDH), "broadcast accepted with BAM");
        wr(RCTL, RCTL_EN | RCTL_UPE);
        peer.send(frame(other, PEER, 64), 0, 64);
        assertEquals(2, rd(RDH), "promiscuous");
        // a second exact address in RA1
        wr(RCTL, RCTL_EN);
        wr(RAL0 + 8, 0x00005452L);
        wr(RAH0 + 8, 0x9900 | RAH_AV);
        peer.send(frame(other, PEER, 64), 0, 64);
        assertEquals(3, rd(RDH), "RA1 match");
        // multicast: through the MTA hash (MO=00: bits 47:36 of the address, last two bytes)
        MacAddress mc = MacAddress.parse("01:00:5e:00:12:34");
        peer.send(frame(mc, PEER, 64), 0, 64);
        assertEquals(3, rd(RDH), "multicast not in MTA");
        int hash = (0x12 >>> 4 | 0x34 << 4) & 0xFFF;
        wr(MTA + 4 * (hash >>> 5), 1L << (hash & 31));
        peer.send(frame(mc, PEER, 64), 0, 64);
        assertEquals(4, rd(RDH), "multicast hash hit");
        assertEquals(1, rd(MPRC));
        wr(RCTL, 0);
        peer.send(frame(MAC, PEER, 64), 0, 64);
        assertEquals(4, rd(RDH), "receiver disabled");
    }

    @Test
    void overrunWhenRingFull() {
        linkUp();
        setUpRx(RCTL_SECRC);
        wr(IMS, ICR_RXO);
        for (int i = 0; i < RX_COUNT - 1; i++) {
            peer.send(frame(MAC, PEER, 64), 0, 64);
        }
        assertEquals(RX_COUNT - 1, rd(RDH));
        assertEquals(0, rd(ICR) & ICR_RXO);
        assertFalse(dev.interruptAsserted());
        peer.send(frame(MAC, PEER, 64), 0, 64);
        assertTrue(dev.interruptAsserted());
        assertEquals(ICR_RXO, rd(ICR) & ICR_RXO);
        assertEquals(1, rd(MPC));
        assertEquals(1, rd(RNBC));
        // the driver returns descriptors: reception resumes
        wr(RDT, 3);
        peer.send(frame(MAC, PEER, 64), 0, 64);
        assertEquals(0, rd(RDH));
    }

    @Test
    void rxdmt0AtThreshold() {
        linkUp();
        setUpRx(RCTL_SECRC); // RDMTS 00: half of 8 = 4 free descriptors
        wr(IMS, ICR_RXDMT0);
        for (int i = 0; i < 2; i++) {
            peer.send(frame(MAC, PEER, 64), 0, 64);
        }
        assertFalse(dev.interruptAsserted());
        peer.send(frame(MAC, PEER, 64), 0, 64); // 7 -> 4 free
        assertTrue(dev.interruptAsserted());
    }

    @Test
    void descriptorAddressesOutsideRam() {
        linkUp();
        long hole = Machine.ECAM_BASE - 0x1000; // below ECAM, above 32 MiB of RAM: nothing there
        // receive ring outside RAM
        setUpRx(0);
        wr(RDBAL, hole);
        peer.send(frame(MAC, PEER, 64), 0, 64);
        assertEquals(0, rd(RDH), "ring untouched");
        assertEquals(1, dev.dmaErrors());
        // receive buffer outside RAM
        wr(RDBAL, RX_RING);
        bus.write(RX_RING, 8, hole);
        peer.send(frame(MAC, PEER, 64), 0, 64);
        assertEquals(0, rd(RDH));
        assertEquals(2, dev.dmaErrors());
        // a 64-bit address far beyond RAM
        wr(RDBAH, 0x7FFF);
        peer.send(frame(MAC, PEER, 64), 0, 64);
        assertEquals(3, dev.dmaErrors());
        // transmit ring outside RAM: it stops at that descriptor
        setUpTx();
        wr(TDBAL, hole);
        wr(TDT, 2);
        assertEquals(0, rd(TDH));
        assertEquals(4, dev.dmaErrors());
        // transmit buffer outside RAM: descriptor consumed (DD written back), packet dropped
        wr(TDBAL, TX_RING);
        wr(TDH, 0);
        wr(TDT, 0);
        bus.write(TX_RING, 8, hole);
        bus.write(TX_RING + 8, 8, 64L | (long) (TXD_EOP | TXD_RS) << 24);
        wr(TDT, 1);
        assertEquals(1, rd(TDH));
        assertEquals(TXD_STA_DD, bus.read(TX_RING + 12, 1));
        assertTrue(peerGot.isEmpty());
        assertEquals(5, dev.dmaErrors());
        assertEquals(1, dev.txDropped());
    }

    @Test
    void badRingLengths() {
        wr(RDLEN, 0x1234F);
        assertEquals(0x12300, rd(RDLEN), "RDLEN keeps bits 19:7");
        wr(TDLEN, 0xFFFF_FFFFL);
        assertEquals(0xFFF80, rd(TDLEN));
        linkUp();
        // zero-length receive ring: every frame is missed
        setUpRx(0);
        wr(RDLEN, 0x7F);
        assertEquals(0, rd(RDLEN));
        wr(IMS, ICR_RXO);
        peer.send(frame(MAC, PEER, 64), 0, 64);
        assertTrue(dev.interruptAsserted());
        assertEquals(1, rd(MPC));
        assertEquals(1, dev.ringErrors());
        // tail beyond the ring
        wr(RDLEN, 128);
        wr(RDT, 200);
        peer.send(frame(MAC, PEER, 64), 0, 64);
        assertEquals(0, rd(RDH));
        assertEquals(2, dev.ringErrors());
        // transmit: zero length and a tail beyond the ring do nothing
        setUpTx();
        wr(TDLEN, 0);
        wr(TDT, 5);
        assertEquals(0, rd(TDH));
        wr(TDLEN, 128);
        wr(TDT, 9);
        assertEquals(0, rd(TDH));
        assertEquals(4, dev.ringErrors());
        assertTrue(peerGot.isEmpty());
    }

    @Test
    void ioWindowReachesRegisters() {
        int io = (int) dev.barAddress(1);
        assertNotEquals(0, io);
        m.ioPorts().out(io, 4, STATUS);
        assertEquals(STATUS, m.ioPorts().in(io, 4));
        assertEquals(rd(STATUS), m.ioPorts().in(io + 4, 4) & 0xFFFF_FFFFL);
        m.ioPorts().out(io, 4, IMS);
        m.ioPorts().out(io + 4, 4, ICR_LSC);
        assertEquals(ICR_LSC, rd(IMS));
    }

    @Test
    void oversizeFramesNeedLpe() {
        tearDown();
        boot(new EthernetSwitch("jumbo", Frames.JUMBO_MAX_LEN, EthernetSwitch.DEFAULT_AGING_NANOS, System::nanoTime));
        linkUp();
        setUpRx(RCTL_BSEX | (1 << 16)); // BSEX with BSIZE 01: 16 KiB buffers
        for (int i = 0; i < RX_COUNT; i++) {
            bus.write(RX_RING + 16L * i, 8, RX_BUFS + 0x4000L * i);
        }
        byte[] big = frame(MAC, PEER, 1519);
        peer.send(big, 0, big.length);
        assertEquals(0, rd(RDH), "1519 + FCS > 1522 without LPE");
        assertEquals(1, rd(ROC));
        wr(RCTL, rd(RCTL) | RCTL_LPE);
        byte[] jumbo = frame(MAC, PEER, 9000);
        peer.send(jumbo, 0, jumbo.length);
        assertEquals(1, rd(RDH));
        assertEquals(9004, rxLength(0));
        assertArrayEquals(jumbo, ram(RX_BUFS, 9000));
    }

    @Test
    void extendedDataDescriptorsAndContextDescriptors() {
        linkUp();
        setUpTx();
        byte[] f = frame(PEER, MAC, 80);
        bus.write(TX_BUF, f, 0, 80);
        // a context descriptor (DEXT, DTYP=0) then a data descriptor (DEXT, DTYP=1, 20-bit length)
        bus.write(TX_RING + 8, 8, (long) (TXD_DEXT | TXD_RS) << 24);
        bus.write(TX_RING + 16, 8, TX_BUF);
        bus.write(TX_RING + 24, 8, 80L | 1L << 20 | (long) (TXD_DEXT | TXD_EOP | TXD_RS) << 24);
        wr(TDT, 2);
        assertEquals(1, peerGot.size());
        assertArrayEquals(f, peerGot.get(0));
        assertEquals(TXD_STA_DD, bus.read(TX_RING + 12, 1) & TXD_STA_DD);
        assertEquals(TXD_STA_DD, bus.read(TX_RING + 28, 1) & TXD_STA_DD);
    }

    @Test
    void twoNicsTalkThroughTheSwitch() {
        MacAddress mac2 = MacAddress.parse("52:54:00:12:34:57");
        E1000Device dev2 = new E1000Device(sw.newPort("second"), mac2);
        try (Machine m2 = Machine.builder().memory(32L << 20).device(SLOT, dev2).build().powerOn()) {
            m2.pci().configWrite(0, SLOT, 0, PciFunction.COMMAND, 2, PciFunction.CMD_MEMORY_SPACE | PciFunction.CMD_BUS_MASTER);
            PhysicalBus bus2 = m2.bus();
            long regs2 = dev2.barAddress(0);
            bus2.write(regs2 + CTRL, 4, CTRL_SLU);
            for (int i = 0; i < RX_COUNT; i++) {
                bus2.write(RX_RING + 16L * i, 8, RX_BUFS + 2048L * i);
            }
            bus2.write(regs2 + RDBAL, 4, RX_RING);
            bus2.write(regs2 + RDLEN, 4, RX_COUNT * 16);
            bus2.write(regs2 + RDT, 4, RX_COUNT - 1);
            bus2.write(regs2 + RCTL, 4, RCTL_EN | RCTL_SECRC);
            linkUp();
            setUpTx();
            byte[] f = frame(mac2, MAC, 200);
            bus.write(TX_BUF, f, 0, 200);
            bus.write(TX_RING, 8, TX_BUF);
            bus.write(TX_RING + 8, 8, 200L | (long) (TXD_EOP | TXD_IFCS | TXD_RS) << 24);
            wr(TDT, 1);
            assertEquals(1, bus2.read(regs2 + RDH, 4));
            assertEquals(200, bus2.read(RX_RING + 8, 2));
            byte[] got = new byte[200];
            bus2.read(RX_BUFS, got, 0, 200);
            assertArrayEquals(f, got);
            assertEquals(1, peerGot.size(), "destination not yet learnt: the switch floods it");
        }
    }

    @Test
    void eecdRequestIsGranted() {
        long e = rd(EECD);
        assertEquals(0, e & EECD_GNT);
        wr(EECD, e | EECD_REQ);
        assertEquals(EECD_GNT, rd(EECD) & EECD_GNT);
        wr(EECD, e);
        assertEquals(0, rd(EECD) & EECD_GNT);
    }
}
