/** The virtio 1.x modern PCI transport and split virtqueues, for virtio device drivers. */
module drivers.virtio {
    requires static osgi.annotation;
    requires static org.osgi.service.component.annotations;
    requires osgi.core;
    requires org.slf4j;
    requires transitive kernel.core;
    requires transitive kernel.mm;
    requires transitive drivers.pci;
    exports drivers.virtio;
}
