import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import { z } from 'zod';
import { ShipbenchError } from '../core/errors.ts';
import type { ImageSource, SourceImage } from './image-source.ts';
import { normalizeLayerPath } from './layer-scan.ts';

/**
 * A `docker save` (or `skopeo copy ... docker-archive:FILE`) tarball, read in one pass front to back: each
 * layer tar inside is scanned as its entry streams by, small JSON entries (manifest.json, configs) are
 * kept, and manifest.json, usually last, then says which entries make which image. The archive is never
 * unpacked; a gzipped archive (`docker save | gzip`) is read the same way.
 */

const manifestSchema = z.array(
  z.object({
    Config: z.string(),
    RepoTags: z.array(z.string()).nullable().optional(),
    Layers: z.array(z.string()),
  }),
);
const configSchema = z.object({
  rootfs: z.object({ diff_ids: z.array(z.string()) }),
  history: z.array(z.object({ created_by: z.string().optional(), empty_layer: z.boolean().optional() })).optional(),
});

const MAX_JSON_BYTES = 4 * 2 ** 20;
const HINT = 'give a tarball written by `docker save IMAGE -o FILE` or `skopeo copy ... docker-archive:FILE`';

export function dockerArchiveSource(file: string): ImageSource {
  return {
    kind: 'docker-archive',
    location: file,
    storesUncompressed: true,
    async read(scan) {
      const info = await stat(file).catch(() => undefined);
      if (info === undefined || !info.isFile()) throw new ShipbenchError('source-not-found', `${file} is not a readable file`, { hint: HINT });
      return imagesOf(file, await readArchive(file, scan));
    },
    async close() {},
  };
}

/** What one pass over the archive keeps: which entries are layers (scanned on the way), small files, symlinks. */
interface ArchiveEntries {
  readonly layers: ReadonlySet<string>;
  readonly small: ReadonlyMap<string, Buffer>;
  readonly links: ReadonlyMap<string, string>;
}

/** Reads the archive (gzip or not) once: layer tars go to `scan` as they stream by, JSON-sized files are kept. */
async function readArchive(file: string, scan: Parameters<ImageSource['read']>[0]): Promise<ArchiveEntries> {
  const layers = new Set<string>();
  const small = new Map<string, Buffer>();
  const links = new Map<string, string>();

  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const extract = tarExtract();
  const feed = (async () => {
    const { head, rest } = await peek(raw, 2);
    const source = head[0] === 0x1f && head[1] === 0x8b ? Readable.from(rest).pipe(createGunzip()) : rest;
    for await (const chunk of source) {
      if (!extract.write(chunk as Buffer)) await new Promise<void>((resolve) => {
        const go = () => { extract.off('drain', go); extract.off('close', go); resolve(); };
        extract.on('drain', go);
        extract.on('close', go);
      });
    }
    extract.end(null);
  })();
  feed.catch((error: Error) => extract.destroy(error));

  try {
    for await (const entry of extract) {
      const name = normalizeLayerPath(entry.header.name);
      if (entry.header.type === 'symlink' && entry.header.linkname !== undefined && entry.header.linkname !== null) {
        links.set(name, posix.normalize(posix.join(posix.dirname(name), entry.header.linkname)));
      }
      if (entry.header.type !== 'file' && entry.header.type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const { head, rest } = await peek(entry, 512);
      if (looksLikeLayer(head)) {
        layers.add(name);
        await scan(name, rest);
      } else if ((entry.header.size ?? 0) <= MAX_JSON_BYTES) {
        const parts: Buffer[] = [];
        for await (const chunk of rest) parts.push(chunk);
        small.set(name, Buffer.concat(parts));
      } else {
        for await (const _ of rest); // drain: neither a layer nor metadata we read
      }
    }
    await feed;
  } catch (error) {
    raw.destroy();
    if (error instanceof ShipbenchError) throw error;
    throw new ShipbenchError('docker-archive-unreadable', `${file} is not a readable tar archive: ${(error as Error).message}`, { hint: HINT, cause: error });
  }
  return { layers, small, links };
}

/** The images manifest.json lists, each config checked against its digest and its layers against the archive. */
function imagesOf(file: string, { layers, small, links }: ArchiveEntries): SourceImage[] {
  const manifestText = small.get('manifest.json');
  if (manifestText === undefined) {
    throw new ShipbenchError('docker-archive-invalid', `${file} holds no manifest.json, so it is not a docker-archive`, {
      hint: small.has('index.json') ? 'this is an OCI archive: unpack it to a directory (tar -xf) and check that OCI layout, or convert it with skopeo copy oci-archive:FILE docker-archive:OUT' : HINT,
    });
  }
  const manifest = parseJson(manifestText, manifestSchema, `${file}: manifest.json`);
  const resolve = (path: string) => {
    let p = normalizeLayerPath(path);
    for (let hops = 0; hops < 8 && links.has(p); hops++) p = links.get(p) as string;
    return p;
  };
  return manifest.map((entry, i): SourceImage => {
    const configText = small.get(resolve(entry.Config));
    if (configText === undefined) throw new ShipbenchError('docker-archive-invalid', `${file}: image ${i + 1}'s config ${entry.Config} is missing`, { hint: HINT });
    // A config named by its digest (`<hex>.json`, `blobs/sha256/<hex>`) must hash to it: the diff_ids
    // that vouch for every layer come from it.
    const named = /(?:^|\/)([0-9a-f]{64})(?:\.json)?$/.exec(resolve(entry.Config))?.[1];
    const actual = createHash('sha256').update(configText).digest('hex');
    if (named !== undefined && actual !== named) {
      throw new ShipbenchError('blob-digest-mismatch', `${file}: image ${i + 1}'s config ${entry.Config} does not match its digest: expected sha256:${named}, its bytes hash to sha256:${actual}`, {
        hint: 'the archive was changed after it was written (corrupt, or tampered with): save the image again',
      });
    }
    const config = parseJson(configText, configSchema, `${file}: ${entry.Config}`);
    const layerKeys = entry.Layers.map((l) => {
      const key = resolve(l);
      if (!layers.has(key)) throw new ShipbenchError('docker-archive-invalid', `${file}: layer ${l} named by manifest.json is not a layer tar in the archive`, { hint: HINT });
      return key;
    });
    const history = (config.history ?? []).filter((h) => h.empty_layer !== true);
    return {
      name: entry.RepoTags?.[0] ?? entry.Config.replace(/\.json$/, '').slice(0, 12),
      layerKeys,
      diffIds: config.rootfs.diff_ids,
      roles: layerKeys.map((_, j) => history[j]?.created_by ?? ''),
    };
  });
}

/** The first `n` bytes (fewer at the end of the stream), and the whole stream again, head included. */
async function peek(stream: AsyncIterable<unknown>, n: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = stream[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let held = 0;
  while (held < n) {
    const next = await it.next();
    if (next.done === true) break;
    parts.push(next.value as Buffer);
    held += (next.value as Buffer).length;
  }
  const head = Buffer.concat(parts);
  async function* rest(): AsyncGenerator<Buffer> {
    yield* parts;
    for (let next = await it.next(); next.done !== true; next = await it.next()) yield next.value as Buffer;
  }
  return { head, rest: rest() };
}

/** A tar starts with a header whose magic sits at byte 257 (or with zeros: an empty tar); gzip with 1f 8b. */
function looksLikeLayer(head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return true;
  if (head.length < 512) return false;
  if (head.subarray(257, 262).toString('latin1') === 'ustar') return true;
  return head.subarray(0, 512).every((b) => b === 0);
}

function parseJson<T>(bytes: Buffer, schema: z.ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ShipbenchError('docker-archive-invalid', `${what} is not valid JSON`, { hint: HINT, cause: error });
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new ShipbenchError('docker-archive-invalid', `${what} is not what docker save writes: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`, { hint: HINT });
  }
  return result.data;
}
