package kernel.core.selftest;

import java.util.List;

/**
 * A named group of self-tests, registered as an OSGi service by the module that owns what
 * they test ({@code struct kunit_suite}). Names are dotted, module first: {@code mm.buddy},
 * {@code sched.fair}; {@code selftest mm} runs every suite whose name is {@code mm} or starts
 * with {@code mm.}.
 */
public interface SelfTestSuite {
    /** The suite's name, e.g. {@code mm.buddy}. */
    String name();

    /**
     * The tests, in the order they run. Called once per run, so a suite may build fresh state
     * (allocators, tasks) for each run.
     */
    List<SelfTest> tests();
}
