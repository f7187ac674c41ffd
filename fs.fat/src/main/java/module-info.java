/** The FAT12/16/32 filesystem driver ("vfat"): a Declarative Services component, no API. */
module fs.fat {
    requires static osgi.annotation;
    requires static org.osgi.service.component.annotations;
    requires org.slf4j;
    requires fs.vfs;
}
