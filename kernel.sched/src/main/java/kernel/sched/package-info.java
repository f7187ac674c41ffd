/**
 * The scheduler: tasks on vCPUs ({@link kernel.sched.Scheduler}, {@link kernel.sched.Task},
 * {@link kernel.sched.Sched}), scheduling policies ({@link kernel.sched.Policy},
 * {@link kernel.sched.SchedParams}), timers on the virtual clock, and the synchronisation
 * primitives tasks block on: wait queues, completions, PI mutexes, semaphores,
 * reader-writer semaphores, workqueues.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package kernel.sched;
