/** Device models for the emulated PC (virtio-blk, ...) and their host backends. Plain Java: no OSGi code. */
module platform.devices {
    requires transitive platform.pc;
    exports platform.devices;
    exports platform.devices.virtio;
    exports platform.devices.net;
}
