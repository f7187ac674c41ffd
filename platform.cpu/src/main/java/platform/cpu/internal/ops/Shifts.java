package platform.cpu.internal.ops;

import platform.cpu.internal.Opcodes;

/** (to be written) */
final class Shifts {
    private Shifts() {}

    static void register(Opcodes t) {
    }
}
