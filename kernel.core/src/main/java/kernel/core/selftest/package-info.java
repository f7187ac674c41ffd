/**
 * In-kernel self-tests in the style of Linux's KUnit: a module registers
 * {@link kernel.core.selftest.SelfTestSuite} services; the {@code selftest [SUITE...]} shell
 * command runs them on the booted kernel and prints TAP lines ({@code ok N - suite: test},
 * {@code not ok N - suite: test}) ending with {@code N passed, N failed}. The same suites run
 * under JUnit in the module's own tests ({@link kernel.core.selftest.SelfTestRunner}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package kernel.core.selftest;
