module fkx.loader {
    requires static osgi.annotation;
    requires static org.osgi.service.component.annotations;
    requires osgi.core;
    requires org.osgi.service.component;
    requires org.osgi.util.promise;
    requires org.apache.felix.gogo.runtime;
    requires org.slf4j;
    requires java.xml;
    requires kernel.core;
    exports fkx.loader;
}
