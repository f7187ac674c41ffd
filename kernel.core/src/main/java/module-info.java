/** The kernel core: boot, HAL, interrupts, logging, console. */
module kernel.core {
    requires static osgi.annotation;
    requires static org.osgi.service.component.annotations;
    requires osgi.core;
    requires org.apache.felix.gogo.runtime;
    requires org.slf4j;
    requires kernel.log;
    requires transitive platform.pc;
    requires platform.devices;
    exports kernel.core;
    exports kernel.core.hal;
    exports kernel.core.selftest;
}
