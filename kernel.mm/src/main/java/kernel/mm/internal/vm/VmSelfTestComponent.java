package kernel.mm.internal.vm;

import java.util.List;
import kernel.core.hal.Hal;
import kernel.core.selftest.SelfTest;
import kernel.core.selftest.SelfTestSuite;
import kernel.mm.PageAllocator;
import kernel.mm.VirtualMemory;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Registers the {@code mm.vm} self-test suite ({@link VmSelfTests}) on the booted kernel. */
@Component(service = SelfTestSuite.class, immediate = true, enabled = false)
public final class VmSelfTestComponent implements SelfTestSuite {
    @Reference
    private Hal hal;

    @Reference
    private PageAllocator pages;

    @Reference
    private VirtualMemory vm;

    @Override
    public String name() {
        return "mm.vm";
    }

    @Override
    public List<SelfTest> tests() {
        return new VmSelfTests(hal, pages, vm).tests();
    }
}
