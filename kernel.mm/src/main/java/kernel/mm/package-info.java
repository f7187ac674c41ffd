/** Physical memory: the page allocator and DMA buffers. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package kernel.mm;
