module kernel.log {
    requires static osgi.annotation;
    requires org.slf4j;
    exports kernel.log;
    provides org.slf4j.spi.SLF4JServiceProvider with kernel.log.KernelLogProvider;
}
