package platform.pc;

import java.util.function.Consumer;

/**
 * The legacy pair of 8259A programmable interrupt controllers, master at ports 0x20/0x21
 * and slave at 0xA0/0xA1, the slave cascaded on the master's IR2 (Intel 8259A datasheet).
 *
 * <p>Modelled: the ICW1..ICW4 initialization sequence (ICW1 with IC4, SNGL and LTIM; ICW2
 * vector base; ICW3 cascade; ICW4 with AEOI), OCW1 (the interrupt mask register, read back
 * at the odd port), OCW2 (non-specific and specific EOI, rotation commands, set priority),
 * OCW3 (read IRR or ISR at the even port, poll mode, special mask mode), edge and level
 * triggered inputs, fully nested priority with rotation, the interrupt acknowledge cycle
 * ({@link #acknowledge()}, with the spurious IRQ 7 / IRQ 15 vectors) and the INTR output
 * ({@link #intr()}, with a listener). Not modelled: the ELCR (0x4D0/0x4D1), buffered mode,
 * special fully nested mode, MCS-80 mode (its vector layout).
 *
 * <p>On this PC the legacy PIC is present but unused: {@link #firmwareInit()} (run by the
 * firmware at power-on) programs it like a PC BIOS (vectors 0x08 and 0x70, cascade on IR2)
 * and then masks every input (IMR 0xFF on both chips). The kernel leaves it masked and
 * uses the IOAPIC. A new pair is fully masked too. Never throws for a guest access.
 */
public final class Pic8259 implements PortHandler {
    public static final int MASTER_COMMAND = 0x20, MASTER_DATA = 0x21, SLAVE_COMMAND = 0xA0, SLAVE_DATA = 0xA1;

    /** One 8259A. */
    static final class Chip {
        int irr, isr, imr = 0xFF;
        int inputs; // current input levels
        int vectorBase;
        int lowestPriority = 7;
        int initStep; // 0: operational; 2..4: expecting ICW2..ICW4
        boolean icw4Needed, single, levelTriggered, autoEoi, rotateOnAutoEoi, specialMask, poll, readIsr;
        int cascade; // ICW3

        void icw1(int v) {
            icw4Needed = (v & 1) != 0;
            single = (v & 2) != 0;
            levelTriggered = (v & 8) != 0;
            imr = 0;
            isr = 0;
            irr = 0;
            lowestPriority = 7;
            specialMask = false;
            readIsr = false;
            poll = false;
            autoEoi = false;
            rotateOnAutoEoi = false;
            initStep = 2;
        }

        void dataWrite(int v) {
            switch (initStep) {
                case 2 -> {
                    vectorBase = v & 0xF8;
                    initStep = single ? (icw4Needed ? 4 : 0) : 3;
                }
                case 3 -> {
                    cascade = v;
                    initStep = icw4Needed ? 4 : 0;
                }
                case 4 -> {
                    autoEoi = (v & 2) != 0;
                    initStep = 0;
                }
                default -> imr = v & 0xFF;
            }
        }

        void commandWrite(int v) {
            if ((v & 0x10) != 0) {
                icw1(v);
            } else if ((v & 0x08) != 0) { // OCW3
                if ((v & 0x02) != 0) {
                    readIsr = (v & 1) != 0;
                }
                poll = (v & 0x04) != 0;
                if ((v & 0x40) != 0) {
                    specialMask = (v & 0x20) != 0;
                }
            } else { // OCW2
                int level = v & 7;
                switch ((v >> 5) & 7) {
                    case 1 -> eoi(highestInService(), false); // non-specific EOI
                    case 3 -> eoi(level, false); // specific EOI
                    case 5 -> eoi(highestInService(), true); // rotate on non-specific EOI
                    case 7 -> eoi(level, true); // rotate on specific EOI
                    case 4 -> rotateOnAutoEoi = true;
                    case 0 -> rotateOnAutoEoi = false;
                    case 6 -> lowestPriority = level; // set priority
                    default -> {
                        // 2: no operation
                    }
                }
            }
        }

        void eoi(int irq, boolean rotate) {
            if (irq < 0) {
                return;
            }
            isr &= ~(1 << irq);
            if (rotate) {
                lowestPriority = irq;
            }
        }

        /** Priority rank of {@code irq}: 0 highest. */
        int rank(int irq) {
            return (irq - lowestPriority - 1) & 7;
        }

        int highestInService() {
            for (int r = 0; r < 8; r++) {
                int irq = (lowestPriority + 1 + r) & 7;
                if ((isr & (1 << irq)) != 0) {
                    return irq;
                }
            }
            return -1;
        }

        /** The IRQ that would interrupt now, or -1. */
        int highestPending() {
            int req = irr & ~imr;
            if (req == 0 || initStep != 0) {
                return -1;
            }
            for (int r = 0; r < 8; r++) {
                int irq = (lowestPriority + 1 + r) & 7;
                if (!specialMask && (isr & (1 << irq)) != 0) {
                    return -1; // an equal or higher priority is in service
                }
                if ((req & (1 << irq)) != 0) {
                    return irq;
                }
            }
            return -1;
        }

        void setInput(int irq, boolean high) {
            int bit = 1 << irq;
            boolean was = (inputs & bit) != 0;
            if (high) {
                inputs |= bit;
                if (levelTriggered || !was) {
                    irr |= bit;
                }
            } else {
                inputs &= ~bit;
                irr &= ~bit; // the request must stay asserted until acknowledged
            }
        }

        /** INTA on this chip for {@code irq}: moves it from IRR to ISR. */
        void ack(int irq) {
            int bit = 1 << irq;
            irr &= ~bit;
            if (levelTriggered && (inputs & bit) != 0) {
                irr |= bit; // still requested: level mode re-requests after EOI
            }
            if (autoEoi) {
                if (rotateOnAutoEoi) {
                    lowestPriority = irq;
                }
            } else {
                isr |= bit;
            }
        }
    }

    final Chip master = new Chip();
    final Chip slave = new Chip();
    private boolean intr;
    private volatile Consumer<Boolean> intrListener;

    /** Claims ports 0x20-0x21 and 0xA0-0xA1 on {@code io}. */
    public void register(IoPorts io) {
        io.register(MASTER_COMMAND, 2, this);
        io.register(SLAVE_COMMAND, 2, this);
    }

    /** Sets the listener told when the master's INTR output changes (null: none). */
    public void setIntrListener(Consumer<Boolean> l) {
        this.intrListener = l;
    }

    /** Programs the pair as a PC BIOS does (vectors 0x08/0x70, cascade on IR2), then masks all inputs. */
    public void firmwareInit() {
        out(MASTER_COMMAND, 1, 0x11);
        out(MASTER_DATA, 1, 0x08);
        out(MASTER_DATA, 1, 0x04);
        out(MASTER_DATA, 1, 0x01);
        out(SLAVE_COMMAND, 1, 0x11);
        out(SLAVE_DATA, 1, 0x70);
        out(SLAVE_DATA, 1, 0x02);
        out(SLAVE_DATA, 1, 0x01);
        out(MASTER_DATA, 1, 0xFF);
        out(SLAVE_DATA, 1, 0xFF);
    }

    @Override
    public int in(int port, int size) {
        boolean changed;
        int v;
        synchronized (this) {
            Chip c = chip(port);
            if (c == null || size != 1) {
                return size == 1 ? 0xFF : -1; // all-ones: the PIC decodes byte accesses only
            }
            if ((port & 1) != 0) {
                return c.imr;
            }
            if (c.poll) {
                c.poll = false;
                v = pollChip(c);
            } else {
                v = c.readIsr ? c.isr : c.irr;
            }
            changed = updateIntr();
        }
        notifyIntr(changed);
        return v;
    }

    private int pollChip(Chip c) {
        int irq = c == master ? masterPending() : c.highestPending();
        if (irq < 0) {
            return 0;
        }
        c.ack(irq);
        if (c == master && irq == 2 && !master.single) {
            int s = slave.highestPending();
            if (s >= 0) {
                slave.ack(s);
            }
        }
        return 0x80 | irq;
    }

    @Override
    public void out(int port, int size, int value) {
        boolean changed;
        synchronized (this) {
            Chip c = chip(port);
            if (c == null || size != 1) {
                return;
            }
            if ((port & 1) != 0) {
                c.dataWrite(value & 0xFF);
            } else {
                c.commandWrite(value & 0xFF);
            }
            changed = updateIntr();
        }
        notifyIntr(changed);
    }

    private Chip chip(int port) {
        return switch (port) {
            case MASTER_COMMAND, MASTER_DATA -> master;
            case SLAVE_COMMAND, SLAVE_DATA -> slave;
            default -> null;
        };
    }

    /** Drives legacy input {@code irq} (0..15; 2 is the cascade and is ignored). */
    public void setIrq(int irq, boolean high) {
        if (irq < 0 || irq > 15 || irq == 2) {
            return;
        }
        boolean changed;
        synchronized (this) {
            if (irq < 8) {
                master.setInput(irq, high);
            } else {
                slave.setInput(irq - 8, high);
            }
            changed = updateIntr();
        }
        notifyIntr(changed);
    }

    private int masterPending() {
        // the slave's INT output drives IR2 as a level (the cascade never loses a request)
        if (!master.single && slave.highestPending() >= 0) {
            master.inputs |= 4;
            master.irr |= 4;
        } else {
            master.inputs &= ~4;
            master.irr &= ~4;
        }
        return master.highestPending();
    }

    /** The master's INTR output: an unmasked request is waiting for the CPU. */
    public synchronized boolean intr() {
        return masterPending() >= 0;
    }

    /**
     * The interrupt acknowledge cycle: returns the vector the PIC puts on the bus and moves the
     * request to in-service. With no request left (it went away), the spurious IRQ 7 vector
     * (IRQ 15's if the slave lost it) is returned and nothing is set in service.
     */
    public int acknowledge() {
        int vector;
        boolean changed;
        synchronized (this) {
            int irq = masterPending();
            if (irq < 0) {
                vector = master.vectorBase | 7;
            } else if (irq == 2 && !master.single) {
                master.ack(2);
                int s = slave.highestPending();
                if (s < 0) {
                    vector = slave.vectorBase | 7;
                } else {
                    slave.ack(s);
                    vector = slave.vectorBase | s;
                }
            } else {
                master.ack(irq);
                vector = master.vectorBase | irq;
            }
            changed = updateIntr();
        }
        notifyIntr(changed);
        return vector;
    }

    /** The interrupt mask registers, slave in bits 15:8 and master in 7:0. */
    public synchronized int masks() {
        return (slave.imr << 8) | master.imr;
    }

    private boolean updateIntr() {
        boolean now = masterPending() >= 0;
        boolean changed = now != intr;
        intr = now;
        return changed;
    }

    private void notifyIntr(boolean changed) {
        Consumer<Boolean> l = intrListener;
        if (changed && l != null) {
            l.accept(intr());
        }
    }
}
