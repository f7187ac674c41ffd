/** The emulated PC board. Plain Java: no OSGi code. */
module platform.pc {
    requires transitive platform.cpu;
    exports platform.pc;
    exports platform.pc.pci;
    exports platform.pc.acpi;
    exports platform.pc.uart;
    exports platform.pc.time;
}
