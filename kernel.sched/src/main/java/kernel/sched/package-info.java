/** Scheduling primitives: for now, completions that tasks wait on and interrupts signal. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package kernel.sched;
