/**
 * The OCI vocabulary shipbench writes and reads (image-spec v1.1): media types and the annotation keys
 * that the layout writer, reader and inspect share, so a typo cannot split them.
 */
export const OciMediaType = {
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
} as const;

export const OciAnnotation = {
  /** Names a manifest in index.json: what `skopeo inspect oci:DIR:TAG` and `umoci --image DIR:TAG` look up. */
  refName: 'org.opencontainers.image.ref.name',
  /** Our own: the layer's role (`base`, `php-1.45.0-wmf.2`, ...), for inspect and reports. */
  layerRole: 'io.shipbench.layer.role',
} as const;

/** The content of the `oci-layout` file at the root of every layout. */
export const OCI_LAYOUT_VERSION = '1.0.0';
