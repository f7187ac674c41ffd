package platform.devices.net;

import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link PortStats}; safe to bump from any thread without locks. */
final class PortCounters {
    private final LongAdder txFrames = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    private final LongAdder rxFrames = new LongAdder();
    private final LongAdder rxBytes = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    void tx(int len) {
        txFrames.increment();
        txBytes.add(len);
    }

    void rx(int len) {
        rxFrames.increment();
        rxBytes.add(len);
    }

    void malformed() {
        malformed.increment();
    }

    void dropped() {
        dropped.increment();
    }

    PortStats snapshot() {
        return new PortStats(txFrames.sum(), txBytes.sum(), rxFrames.sum(), rxBytes.sum(), malformed.sum(), dropped.sum());
    }
}
