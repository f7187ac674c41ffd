/** Device models for the emulated PC (virtio-blk, virtio-net, e1000, NVMe, AHCI) and their host backends. Plain Java: no OSGi code. */
module platform.devices {
    requires transitive platform.pc;
    exports platform.devices;
    exports platform.devices.virtio;
    exports platform.devices.net;
    exports platform.devices.nvme;
    exports platform.devices.ahci;
    exports platform.devices.monitor;
}
