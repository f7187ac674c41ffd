package platform.pc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * The interrupt message fabric joining the local APICs and the IOAPICs (on a modern PC the
 * system bus; on a P6 the 3-wire APIC bus). It carries interrupt messages from IOAPICs,
 * MSIs and IPIs to the local APICs selected by destination, and EOI broadcasts from local
 * APICs back to the IOAPICs.
 *
 * <p>Destination selection (Intel SDM vol. 3, 11.6.2): physical mode matches the 8-bit APIC
 * ID in the ID register, {@code 0xFF} being broadcast; logical mode matches the message
 * destination address against each APIC's LDR under its DFR (flat model: bitwise AND of the
 * 8-bit logical ID; cluster model: equal cluster in bits 7:4 and AND of bits 3:0), {@code 0xFF}
 * being broadcast. Lowest-priority delivery picks, among the matching APICs, the one with
 * the lowest task priority (ties: lowest APIC ID).
 *
 * <p>Thread-safe. Delivery never holds a lock of this class while calling into an APIC.
 */
public final class ApicBus {
    /** Delivery modes (ICR, redirection entry and MSI data bits 10:8). */
    public static final int FIXED = 0, LOWEST_PRIORITY = 1, SMI = 2, NMI = 4, INIT = 5, STARTUP = 6, EXTINT = 7;
    /** Destination shorthands (ICR bits 19:18). */
    public static final int NO_SHORTHAND = 0, SELF = 1, ALL_INCLUDING_SELF = 2, ALL_EXCLUDING_SELF = 3;

    private final List<LocalApic> lapics = new CopyOnWriteArrayList<>();
    private final List<IoApic> ioapics = new CopyOnWriteArrayList<>();
    private final LongAdder undeliverable = new LongAdder();

    /** Joins {@code apic} to this bus (its IPIs and EOI broadcasts travel here). */
    public void attach(LocalApic apic) {
        lapics.add(apic);
        apic.attachBus(this);
    }

    /** Joins {@code ioapic} to this bus (it sends here and receives EOI broadcasts). */
    public void attach(IoApic ioapic) {
        ioapics.add(ioapic);
        ioapic.attachBus(this);
    }

    /** The local APIC whose current ID register holds {@code apicId}, or null. */
    public LocalApic lapicById(int apicId) {
        for (LocalApic a : lapics) {
            if (a.apicId() == apicId) {
                return a;
            }
        }
        return null;
    }

    /**
     * Sends an interrupt message. {@code source} is the sending local APIC for IPIs (needed
     * by the shorthands), null for IOAPIC and MSI messages. Returns the number of local
     * APICs that received it (0: undeliverable, counted).
     */
    public int deliver(int vector, int deliveryMode, boolean logical, int destination, boolean levelTriggered,
            int shorthand, LocalApic source) {
        List<LocalApic> targets = new ArrayList<>();
        switch (shorthand) {
            case SELF -> {
                if (source != null) {
                    targets.add(source);
                }
            }
            case ALL_INCLUDING_SELF -> targets.addAll(lapics);
            case ALL_EXCLUDING_SELF -> {
                for (LocalApic a : lapics) {
                    if (a != source) {
                        targets.add(a);
                    }
                }
            }
            default -> {
                int dest = destination & 0xFF;
                for (LocalApic a : lapics) {
                    if (logical ? a.matchesLogical(dest) : (dest == 0xFF || a.apicId() == dest)) {
                        targets.add(a);
                    }
                }
            }
        }
        if (deliveryMode == LOWEST_PRIORITY && targets.size() > 1) {
            LocalApic best = null;
            for (LocalApic a : targets) {
                if (best == null || a.taskPriority() < best.taskPriority()
                        || (a.taskPriority() == best.taskPriority() && a.apicId() < best.apicId())) {
                    best = a;
                }
            }
            targets = List.of(best);
        }
        if (targets.isEmpty()) {
            undeliverable.increment();
            return 0;
        }
        for (LocalApic a : targets) {
            a.receive(vector & 0xFF, deliveryMode, levelTriggered);
        }
        return targets.size();
    }

    /** An EOI for a level-triggered {@code vector}, broadcast to every IOAPIC. */
    public void eoiBroadcast(int vector) {
        for (IoApic io : ioapics) {
            io.eoi(vector);
        }
    }

    /** Messages that matched no local APIC. */
    public long undeliverable() {
        return undeliverable.sum();
    }

    /** The local APICs on this bus, in attach order. */
    public List<LocalApic> lapics() {
        return List.copyOf(lapics);
    }
}
