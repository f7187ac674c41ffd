/** The x86-64 CPU: interpreter, MMU and TLB. Plain Java: no OSGi code. */
module platform.cpu {
    exports platform.cpu;
}
