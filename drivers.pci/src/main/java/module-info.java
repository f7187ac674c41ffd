/** The PCI bus: ECAM enumeration, BARs, MSI-X and the PCI driver model. */
module drivers.pci {
    requires static osgi.annotation;
    requires static org.osgi.service.component.annotations;
    requires osgi.core;
    requires org.slf4j;
    requires transitive kernel.core;
    requires static fkx.loader; // FkxLoader, the autoload hook of PciBusComponent (always present in OSGi)
    exports drivers.pci;
}
