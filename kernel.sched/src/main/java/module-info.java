module kernel.sched {
    requires static osgi.annotation;
    requires static org.osgi.service.component.annotations;
    requires osgi.core;
    requires org.apache.felix.gogo.runtime;
    requires org.slf4j;
    requires kernel.core;
    exports kernel.sched;
}
