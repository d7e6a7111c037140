import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ShipbenchError } from '../../src/core/errors.ts';
import { DistributionClient } from '../../src/registry/distribution-client.ts';
import { startEmbeddedRegistry, type EmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { selfSignedCertificate } from '../support/registry-process.ts';

describe('https to a real registry with a self-signed certificate', { timeout: 60_000 }, () => {
  let work: string;
  let registry: EmbeddedRegistry;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'shipbench-https-'));
    const { certificateFile, keyFile } = await selfSignedCertificate(work, 'registry');
    registry = await startEmbeddedRegistry({ tls: { certificateFile, keyFile } });
  });
  after(async () => {
    await registry?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it("refuses the untrusted certificate with 'registry-tls-failed' and a hint, without retrying", async () => {
    assert.match(registry.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const client = new DistributionClient({ baseUrl: registry.url });
    try {
      await assert.rejects(client.ping(), (error: unknown) => {
        assert.ok(error instanceof ShipbenchError);
        assert.equal(error.code, 'registry-tls-failed');
        assert.match(error.hint ?? '', /NODE_EXTRA_CA_CERTS|verification/);
        return true;
      });
      assert.equal(client.stats.retries, 0);
    } finally {
      await client.close();
    }
  });

  it('pushes and pulls over https with verification off', async () => {
    const client = new DistributionClient({ baseUrl: registry.url, rejectUnauthorized: false });
    try {
      await client.ping();
      const bytes = randomBytes(200_000);
      const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      await client.pushBlob('tls/app', digest, bytes.length, () => Readable.from([bytes]));
      const chunks: Buffer[] = [];
      await client.fetchBlob('tls/app', digest, (chunk) => void chunks.push(chunk), { size: bytes.length });
      assert.deepEqual(Buffer.concat(chunks), bytes);
    } finally {
      await client.close();
    }
  });
});
