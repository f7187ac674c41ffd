module kernel.block {
    requires static osgi.annotation;
    requires static org.osgi.service.component.annotations;
    requires osgi.core;
    requires org.apache.felix.gogo.runtime;
    requires kernel.core;
    requires org.slf4j;
    exports kernel.block;
}
