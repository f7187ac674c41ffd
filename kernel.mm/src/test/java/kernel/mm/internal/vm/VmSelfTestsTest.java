package kernel.mm.internal.vm;

import java.util.List;
import java.util.stream.Stream;
import kernel.core.selftest.SelfTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The {@code mm.vm} self-test suite under JUnit, on a 2-vCPU machine with real page tables and
 * the real buddy allocator (per-CPU caches on).
 */
@Timeout(120)
class VmSelfTestsTest extends VmTest {
    @Override
    int cpus() {
        return 2;
    }


    @TestFactory
    Stream<DynamicTest> mmVm() {
        List<SelfTest> tests = new VmSelfTests(hal, pages, vm).tests();
        return tests.stream().map(t -> DynamicTest.dynamicTest(t.name(), () -> t.body().run()));
    }
}
