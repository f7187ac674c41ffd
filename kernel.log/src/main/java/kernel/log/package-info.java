/** The kernel log: the dmesg ring buffer that every SLF4J logger in Kestrel writes into. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package kernel.log;
