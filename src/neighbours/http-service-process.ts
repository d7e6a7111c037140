/**
 * The `http` neighbour's service, run as its own process (`node --import tsx http-service-process.ts
 * CONFIG_JSON`): each request does what a small co-located web service does per request, hashing (CPU),
 * reading a few small files, and appending fsync'd records to a journal like a database commit. Its files
 * live on the disk the nodes write to, so a rollout's writes and its commits share one device queue.
 * It prints `ready PORT` once listening and stops on SIGTERM.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

export interface HttpServiceConfig {
  readonly dir: string;
  readonly hashBytes: number;
  readonly reads: number;
  readonly readBytes: number;
  readonly writes: number;
  readonly writeBytes: number;
  readonly files: number;
}

// A journal that keeps growing would measure a growing file; start over past this size.
const JOURNAL_LIMIT_BYTES = 64 * 2 ** 20;

async function main(config: HttpServiceConfig): Promise<void> {
  await mkdir(config.dir, { recursive: true });
  const names = Array.from({ length: config.files }, (_, i) => join(config.dir, `page-${i}.bin`));
  for (const name of names) await writeFile(name, randomBytes(config.readBytes));
  const hashInput = randomBytes(config.hashBytes);
  const journal = await open(join(config.dir, 'journal.log'), 'w');
  const record = Buffer.alloc(config.writeBytes, 0x61);
  let journalBytes = 0;
  let next = 0;

  const handle = async (): Promise<string> => {
    const digest = createHash('sha256').update(hashInput).digest('hex');
    for (let i = 0; i < config.reads; i++) {
      await readFile(names[(next++ * 7919) % names.length] as string);
    }
    for (let i = 0; i < config.writes; i++) {
      if (journalBytes > JOURNAL_LIMIT_BYTES) {
        journalBytes = 0;
        await journal.truncate(0);
      }
      await journal.write(record, 0, record.length, journalBytes);
      journalBytes += record.length;
      await journal.datasync();
    }
    return digest.slice(0, 16);
  };

  const server = createServer((req, res) => {
    handle().then(
      (body) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(body);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error instanceof Error ? error.message : String(error));
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`ready ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    void journal.close().finally(() => process.exit(0));
  });
}

main(JSON.parse(process.argv[2] ?? '{}') as HttpServiceConfig).catch((error: unknown) => {
  process.stderr.write(`http neighbour service: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
