/** The virtio block driver: one BlockDevice (vda, vdb, ...) per virtio-blk PCI function. */
module drivers.virtio.blk {
    requires static osgi.annotation;
    requires static org.osgi.service.component.annotations;
    requires osgi.core;
    requires org.slf4j;
    requires kernel.core;
    requires kernel.mm;
    requires kernel.sched;
    requires kernel.block;
    requires drivers.pci;
    requires drivers.virtio;
}
