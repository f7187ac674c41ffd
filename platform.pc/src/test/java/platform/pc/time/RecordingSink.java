package platform.pc.time;

import java.util.ArrayList;
import java.util.List;

/** Test sink: records every line change as "+gsi@ns" / "-gsi@ns" and tracks asserted lines. */
final class RecordingSink implements IrqSink {
    private final VirtualClock clock;
    final List<String> events = new ArrayList<>();
    final boolean[] level = new boolean[64];

    RecordingSink(VirtualClock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized void assertIrq(int gsi) {
        events.add("+" + gsi + "@" + clock.now());
        level[gsi] = true;
    }

    @Override
    public synchronized void deassertIrq(int gsi) {
        events.add("-" + gsi + "@" + clock.now());
        level[gsi] = false;
    }

    /** Times of the assertions of {@code gsi}. */
    synchronized List<Long> asserts(int gsi) {
        List<Long> r = new ArrayList<>();
        for (String e : events) {
            if (e.startsWith("+" + gsi + "@")) {
                r.add(Long.parseLong(e.substring(e.indexOf('@') + 1)));
            }
        }
        return r;
    }
}
