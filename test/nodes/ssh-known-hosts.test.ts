import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isEncryptedPrivateKey } from '../../src/nodes/engines/ssh-identity.ts';
import { keyBlobType, verifyHostKey } from '../../src/nodes/engines/ssh-known-hosts.ts';
import { runPeer } from '../support/peer-tools.ts';

// Two real ed25519 public keys (ssh-keygen output): A is the host's, B someone else's.
const A = 'AAAAC3NzaC1lZDI1NTE5AAAAINmlTm209b1vV6JJrhkye8kHhV16AD8XEFEnfooTq7pH';
const B = 'AAAAC3NzaC1lZDI1NTE5AAAAIPBOvmnALtla2QgbUYpNdq9CItinjRkpK2zqhXI9/S++';
const blob = (key: string) => Buffer.from(key, 'base64');
const kind = (text: string, host: string, port: number, key: string) => verifyHostKey(text, host, port, blob(key)).kind;

describe('known_hosts: the SSH host key must be the one recorded', () => {
  test('plain, bracketed-port, wildcard and negated patterns', () => {
    assert.equal(keyBlobType(blob(A)), 'ssh-ed25519');
    assert.equal(kind(`10.1.2.3 ssh-ed25519 ${A}\n`, '10.1.2.3', 22, A), 'known');
    assert.equal(kind(`# comment\n\nbuild-1,10.1.2.3 ssh-ed25519 ${A} comment\n`, '10.1.2.3', 22, A), 'known');
    // Off port 22 only [host]:port names the host.
    assert.equal(kind(`10.1.2.3 ssh-ed25519 ${A}\n`, '10.1.2.3', 2222, A), 'unknown');
    assert.equal(kind(`[10.1.2.3]:2222 ssh-ed25519 ${A}\n`, '10.1.2.3', 2222, A), 'known');
    assert.equal(kind(`10.1.2.* ssh-ed25519 ${A}\n`, '10.1.2.3', 22, A), 'known');
    assert.equal(kind(`10.1.2.*,!10.1.2.3 ssh-ed25519 ${A}\n`, '10.1.2.3', 22, A), 'unknown');
    assert.equal(kind(`10.1.2.3x ssh-ed25519 ${A}\n`, '10.1.2.3', 22, A), 'unknown', 'no prefix matches');
  });

  test('hashed names (HashKnownHosts yes), as ssh-keygen -H writes them', () => {
    const hashed = `|1|90mTxQ30L4JNy/CCCLE4GzYe4yY=|vKjk0N9l/UTF1TIVxHKZHwbkciY= ssh-ed25519 ${A}\n`;
    assert.equal(kind(hashed, '10.1.2.3', 22, A), 'known');
    assert.equal(kind(hashed, '10.1.2.4', 22, A), 'unknown');
  });

  test('a different key of the same type is a changed host; other types only are unknown; @revoked refuses', () => {
    assert.equal(kind(`10.1.2.3 ssh-ed25519 ${B}\n`, '10.1.2.3', 22, A), 'changed');
    assert.deepEqual(verifyHostKey(`10.1.2.3 ecdsa-sha2-nistp256 AAAA\n`, '10.1.2.3', 22, blob(A)), { kind: 'unknown', knownTypes: ['ecdsa-sha2-nistp256'] });
    assert.equal(kind(`@revoked * ssh-ed25519 ${A}\n10.1.2.3 ssh-ed25519 ${A}\n`, '10.1.2.3', 22, A), 'revoked');
    assert.equal(kind(`@cert-authority * ssh-ed25519 ${A}\n`, '10.1.2.3', 22, A), 'unknown');
  });
});

describe('SSH identities: a passphrase-protected key is recognised (and left to ssh-agent)', () => {
  test('OpenSSH and PEM keys, with and without a passphrase', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shipbench-ssh-identity-'));
    try {
      await runPeer('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'plain')]);
      await runPeer('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'test-passphrase', '-f', join(dir, 'encrypted')]);
      await runPeer('openssl', ['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', join(dir, 'plain.pem')]);
      await runPeer('openssl', ['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-aes256', '-pass', 'pass:test-passphrase', '-out', join(dir, 'encrypted.pem')]);
      const read = (name: string) => readFile(join(dir, name), 'latin1');
      assert.equal(isEncryptedPrivateKey(await read('plain')), false);
      assert.equal(isEncryptedPrivateKey(await read('encrypted')), true);
      assert.equal(isEncryptedPrivateKey(await read('plain.pem')), false);
      assert.equal(isEncryptedPrivateKey(await read('encrypted.pem')), true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
