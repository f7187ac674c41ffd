package platform.cpu.internal.ops;

import platform.cpu.internal.Opcodes;

/** (to be written) */
final class BitOps {
    private BitOps() {}

    static void register(Opcodes t) {
    }
}
