import { connect, createServer, type Socket } from 'node:net';

/** A TCP proxy in front of a registry that slows the blob downloads of Docker Engines (and nothing else) to a trickle. */
export interface SlowRegistryProxy {
  /** `http://127.0.0.1:PORT`, to use as the scenario's `registry.url`. */
  readonly url: string;
  /** Whether an engine's blob download has started coming through (its first slowed bytes were sent). */
  engineBlobFlowing(): boolean;
  close(): Promise<void>;
}

const SLICE_MS = 100;

/**
 * Pushes and shipbench's own reads pass at full speed; a connection on which a Docker Engine (User-Agent
 * `docker/...`) asks for a blob gets its responses at `bytesPerSecond`, so a pull is surely in flight when a
 * test acts on `onEngineBlob` (called once, when the first slowed bytes went out).
 */
export async function startSlowRegistryProxy(target: URL, bytesPerSecond: number, onEngineBlob: () => void): Promise<SlowRegistryProxy> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let flowing = false;
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let slow = false;
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', () => {
        sockets.delete(s);
        end();
      });
    }
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (/^GET \/v2\/\S+\/blobs\/sha256:/m.test(text) && /^user-agent: docker\//im.test(text)) slow = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!slow) return void client.write(chunk);
      upstream.pause();
      const slice = Math.max(1, Math.floor((bytesPerSecond * SLICE_MS) / 1000));
      let at = 0;
      const send = () => {
        if (client.destroyed) return;
        client.write(chunk.subarray(at, at + slice));
        at += slice;
        if (!flowing) {
          flowing = true;
          onEngineBlob();
        }
        if (at >= chunk.length) return void upstream.resume();
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, SLICE_MS);
        timers.add(timer);
      };
      send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    engineBlobFlowing: () => flowing,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
