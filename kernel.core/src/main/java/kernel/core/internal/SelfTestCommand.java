package kernel.core.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import kernel.core.selftest.SelfTestRunner;
import kernel.core.selftest.SelfTestSuite;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code selftest [SUITE...]}: runs the registered {@link SelfTestSuite}s (all, or those named)
 * and prints TAP. {@code selftest -l} lists the suites.
 */
@Component(service = SelfTestCommand.class, immediate = true, property = {
    "osgi.command.scope=kernel",
    "osgi.command.function=selftest",
})
public final class SelfTestCommand {
    private final List<SelfTestSuite> suites = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addSuite(SelfTestSuite s) {
        suites.add(s);
    }

    void removeSuite(SelfTestSuite s) {
        suites.remove(s);
    }

    @Descriptor("run in-kernel self-tests (all, or the named suites; -l lists them) and print TAP")
    public String selftest(@Descriptor("suite names, e.g. mm or sched.fair") String... names) {
        if (names.length == 1 && names[0].equals("-l")) {
            StringBuilder sb = new StringBuilder();
            for (SelfTestSuite s : SelfTestRunner.select(List.copyOf(suites), List.of())) {
                sb.append(s.name()).append('\n');
            }
            return sb.isEmpty() ? "no self-test suites" : sb.toString().stripTrailing();
        }
        StringBuilder out = new StringBuilder();
        SelfTestRunner.run(List.copyOf(suites), List.of(names), out);
        return out.toString().stripTrailing();
    }
}
