/** The kernel core: the running {@link kernel.core.Kernel} and module reference counts. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package kernel.core;
