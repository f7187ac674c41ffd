package platform.cpu.internal.ops;

import platform.cpu.internal.Opcodes;

/** (to be written) */
final class X87 {
    private X87() {}

    static void register(Opcodes t) {
    }
}
