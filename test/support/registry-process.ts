import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { cp, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, runCli } from '../e2e/run-cli.ts';
import { runPeer } from './peer-tools.ts';

/**
 * The real processes registry tests need besides the registry itself: `shipbench generate` for images to
 * push, `openssl` for certificates (TLS, token signing), `htpasswd` for basic-auth users.
 */

export const TINY_SCENARIO = join(REPO_ROOT, 'fixtures/scenarios/valid/tiny-all-strategies.yaml');

/**
 * A directory `scripts/run-tests.sh` makes afresh for each run of the suite, for what test files would
 * otherwise each build the same way (unset when a file runs on its own: it builds its own).
 */
const RUN_SHARED = process.env.SHIPBENCH_TEST_SHARED;

/**
 * The tiny scenario's layouts under `outDir`, as `shipbench generate` writes them; returns the monolithic
 * layout's path. Nine test files use them: within one run of the suite they are generated once and copied
 * (4.3 s of generate against 0.2 s of copy; same seed, same digests, which generate.test.ts checks), and
 * generate.test.ts, which runs before them all, offers the ones it generated (offerTinyLayouts).
 */
export async function generateTinyLayouts(outDir: string): Promise<string> {
  if (RUN_SHARED === undefined || RUN_SHARED === '') {
    await generateTiny(outDir);
  } else {
    const shared = join(RUN_SHARED, 'tiny-layouts');
    if (!existsSync(shared)) {
      const building = `${shared}.${process.pid}`;
      await generateTiny(building);
      await rename(building, shared);
    }
    await cp(shared, outDir, { recursive: true });
  }
  return join(outDir, 'monolithic');
}

/**
 * Layouts a test file has just generated from the tiny scenario itself (`shipbench generate`, no --tree):
 * within one run of the suite they become the shared ones, unless some file got there first.
 */
export async function offerTinyLayouts(generatedDir: string): Promise<void> {
  if (RUN_SHARED === undefined || RUN_SHARED === '') return;
  const shared = join(RUN_SHARED, 'tiny-layouts');
  if (existsSync(shared)) return;
  const building = `${shared}.${process.pid}`;
  await cp(generatedDir, building, { recursive: true });
  await rename(building, shared);
}

async function generateTiny(outDir: string): Promise<void> {
  const result = await runCli(['generate', TINY_SCENARIO, '--out', outDir], { timeoutMs: 300_000 });
  if (result.code !== 0) throw new Error(`shipbench generate failed (${result.code}):\n${result.stderr}`);
}

export interface CertificateFiles {
  readonly certificateFile: string;
  readonly keyFile: string;
}

/** A self-signed RSA certificate (with IP SAN 127.0.0.1, so it also serves TLS on loopback). */
export async function selfSignedCertificate(dir: string, name: string): Promise<CertificateFiles> {
  const certificateFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await runPeer('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', keyFile, '-out', certificateFile,
  ]);
  return { certificateFile, keyFile };
}

/** An htpasswd file with one bcrypt user (the only hash the distribution registry accepts). */
export async function htpasswdFile(dir: string, username: string, password: string): Promise<string> {
  const file = join(dir, 'htpasswd');
  await runPeer('htpasswd', ['-B', '-b', '-c', file, username, password]).catch((error: Error) => {
    // peer-tools knows no package for htpasswd: name the right one.
    throw new Error(error.message.replace('apt-get install htpasswd', 'apt-get install apache2-utils'));
  });
  return file;
}

/** Where the registry's filesystem driver keeps a blob's bytes (distribution's storage layout). */
export function registryBlobDataPath(storageDir: string, digest: string): string {
  const hex = digest.replace(/^sha256:/, '');
  return join(storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}
