/**
 * Docker Engine's pull progress (the JSON messages of POST /images/create) turned into per-layer timings.
 * Messages name a layer by the first 12 hex digits of its digest; per layer they go
 * `Pulling fs layer` -> (`Waiting`) -> `Downloading`* -> `Verifying Checksum` -> `Download complete` ->
 * `Extracting`* -> `Pull complete`, or just `Already exists`. Small layers skip `Downloading` or
 * `Extracting`, so their start is inferred (see below). Docker's progress is lossy: a later status may
 * replace `Download complete` before it is sent (seen here about once in seven pulls), so the download's
 * end is the first of the statuses that can only follow it.
 */
export interface DockerProgressMessage {
  /** performance.now() when the message arrived. */
  readonly atMs: number;
  readonly status: string;
  readonly id?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
}

export interface EngineLayerTiming {
  readonly digest: string;
  readonly bytes: number;
  /** False when the engine already held the layer. */
  readonly downloaded: boolean;
  readonly downloadSeconds: number;
  readonly unpackSeconds: number;
  /** When the download and the unpack began (performance clock), where the engine's events tell. */
  readonly downloadStartMs?: number;
  readonly unpackStartMs?: number;
}

interface ManifestLayer {
  readonly digest: string;
  readonly size: number;
}

export function shortLayerId(digest: string): string {
  return digest.replace(/^[a-z0-9]+:/, '').slice(0, 12);
}

/** When the layer list was known: the engine had fetched the manifest and config. */
export function dockerManifestDoneMs(messages: readonly DockerProgressMessage[]): number | undefined {
  return messages.find((m) => m.status === 'Pulling fs layer' || m.status === 'Already exists')?.atMs;
}

/** Statuses that mean a layer's blob is in, in the order Docker sends them: the first one seen ends the download. */
const DOWNLOAD_DONE = ['Verifying Checksum', 'Download complete', 'Extracting', 'Pull complete'] as const;

export function dockerLayerTimings(messages: readonly DockerProgressMessage[], layers: readonly ManifestLayer[]): EngineLayerTiming[] {
  const first = (id: string, status: string) => messages.find((m) => m.id === id && m.status === status)?.atMs;
  const downloadEnds = new Map<string, number>();
  for (const layer of layers) {
    const id = shortLayerId(layer.digest);
    const end = DOWNLOAD_DONE.map((status) => first(id, status)).find((atMs) => atMs !== undefined);
    if (end !== undefined) downloadEnds.set(id, end);
  }
  const completes = [...downloadEnds].map(([id, atMs]) => ({ id, atMs })).sort((a, b) => a.atMs - b.atMs);
  let previousPullComplete: number | undefined;
  return layers.map((layer) => {
    const id = shortLayerId(layer.digest);
    const downloadEnd = downloadEnds.get(id);
    const pullComplete = first(id, 'Pull complete');
    if (first(id, 'Already exists') !== undefined || downloadEnd === undefined) {
      previousPullComplete = pullComplete ?? previousPullComplete;
      return { digest: layer.digest, bytes: layer.size, downloaded: false, downloadSeconds: 0, unpackSeconds: 0 };
    }
    // No `Downloading` message: the download began when its slot opened, i.e. when it was queued (if it never
    // waited) or when the last other download before its own end completed.
    const queued = first(id, 'Pulling fs layer') ?? downloadEnd;
    const slotOpened = completes.filter((c) => c.id !== id && c.atMs <= downloadEnd).at(-1)?.atMs;
    const downloadStart = first(id, 'Downloading') ?? (first(id, 'Waiting') === undefined ? queued : Math.max(queued, slotOpened ?? queued));
    // No `Extracting` message: extraction began once both its blob and the layer below were in place.
    const extractStart = first(id, 'Extracting') ?? Math.max(downloadEnd, previousPullComplete ?? downloadEnd);
    const unpackSeconds = pullComplete === undefined ? 0 : Math.max(0, pullComplete - extractStart) / 1000;
    previousPullComplete = pullComplete ?? previousPullComplete;
    return {
      digest: layer.digest,
      bytes: layer.size,
      downloaded: true,
      downloadSeconds: Math.max((downloadEnd - downloadStart) / 1000, Number.EPSILON),
      unpackSeconds,
      downloadStartMs: downloadStart,
      ...(pullComplete === undefined ? {} : { unpackStartMs: extractStart }),
    };
  });
}
