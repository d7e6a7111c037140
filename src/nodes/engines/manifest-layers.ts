import type { DistributionClient } from '../../registry/distribution-client.ts';
import { chainIds } from '../chain-id.ts';

export interface ManifestLayerDescriptor {
  readonly digest: string;
  readonly size: number;
  readonly mediaType?: string;
}

export interface ImageLayers {
  readonly layers: ManifestLayerDescriptor[];
  /** ChainID of each layer (how snapshotters name unpacked layers), in the same order. */
  readonly chains: string[];
}

/** An image's layers in order, as its manifest lists them: what an engine's progress is matched against. */
export async function manifestLayers(client: DistributionClient, repository: string, tag: string): Promise<ImageLayers> {
  const manifest = await client.getManifest(repository, tag);
  const parsed = JSON.parse(manifest.bytes.toString('utf8')) as { layers?: ManifestLayerDescriptor[]; config?: ManifestLayerDescriptor };
  if (!Array.isArray(parsed.layers) || parsed.config === undefined) throw new Error(`${repository}:${tag} is not a single-platform image manifest`);
  const chunks: Buffer[] = [];
  await client.fetchBlob(repository, parsed.config.digest, (chunk) => void chunks.push(chunk), { size: parsed.config.size });
  const config = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { rootfs: { diff_ids: string[] } };
  return {
    layers: parsed.layers.map((l) => ({ digest: l.digest, size: l.size, ...(l.mediaType === undefined ? {} : { mediaType: l.mediaType }) })),
    chains: chainIds(config.rootfs.diff_ids),
  };
}
