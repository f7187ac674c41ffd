package platform.cpu.internal.ops;

import platform.cpu.internal.Opcodes;

/** (to be written: CMPXCHG, CMPXCHG8B/16B, XADD) */
final class Atomics {
    /** Serializes LOCK-prefixed read-modify-write instructions of all CPUs. */
    static final Object LOCK = new Object();

    private Atomics() {}

    static void register(Opcodes t) {
    }
}
