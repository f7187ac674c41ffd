/** The FKX module loader: module headers, states and the {@link fkx.loader.FkxLoader} service. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package fkx.loader;
