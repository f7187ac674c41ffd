package platform.cpu.internal.ops;

import platform.cpu.internal.Opcodes;

/** (to be written) */
final class StringOps {
    private StringOps() {}

    static void register(Opcodes t) {
    }
}
