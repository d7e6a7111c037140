/**
 * Where images come from for `check`: an OCI layout, a docker-archive tarball or a registry. Each kind
 * hands every distinct layer blob to `scan` exactly once, as a stream, in the order it reads cheapest
 * (an archive front to back, a layout or registry in manifest order), then names its images' layers by
 * the keys it scanned them under. Nothing is unpacked, and no blob is held whole.
 */

export type ImageSourceKind = 'oci-layout' | 'docker-archive' | 'registry';

export interface SourceImage {
  /** Tag or reference: `initial`, `mediawiki:1.2`, `127.0.0.1:5000/app:v2`. */
  readonly name: string;
  /** Keys the layers were scanned under, bottom first. */
  readonly layerKeys: readonly string[];
  /** diff_ids from the image config, bottom first: checked against what the scan hashed. */
  readonly diffIds: readonly string[];
  /** Per layer, what the builder said it is (an annotation or a history line), or ''. */
  readonly roles: readonly string[];
}

export interface ImageSource {
  readonly kind: ImageSourceKind;
  /** As the user named it, for messages and reports. */
  readonly location: string;
  /** Layers are stored uncompressed (docker-archive): compressed sizes must be estimated. */
  readonly storesUncompressed: boolean;
  /** Scans every distinct layer once; returns the images, in deploy order. */
  read(scan: (key: string, blob: AsyncIterable<Buffer>) => Promise<void>): Promise<SourceImage[]>;
  close(): Promise<void>;
}
