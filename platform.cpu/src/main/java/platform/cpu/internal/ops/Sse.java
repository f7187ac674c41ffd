package platform.cpu.internal.ops;

import platform.cpu.internal.Opcodes;

/** (to be written) */
final class Sse {
    private Sse() {}

    static void register(Opcodes t) {
    }
}
