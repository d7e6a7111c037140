import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ExitCode, ShipbenchError } from '../../src/core/errors.ts';
import { loadResolvedScenario, parseScenario } from '../../src/scenario/load.ts';
import { resolveScenario } from '../../src/scenario/resolve.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INVALID = join(ROOT, 'fixtures/scenarios/invalid/engines');

async function problems(file: string): Promise<string[]> {
  try {
    await loadResolvedScenario(file);
  } catch (error) {
    assert.ok(error instanceof ShipbenchError);
    assert.equal(error.exitCode, ExitCode.usage);
    return error.problems.map((p) => `${p.location.line}:${p.location.col} ${p.keyPath}: ${p.message}`);
  }
  return assert.fail(`${file} loaded`);
}

describe('fleet engine keys: invalid scenarios name the key to change', () => {
  test('fleet.hosts are Docker Engines, one node each, never emulated', async () => {
    assert.deepEqual(await problems(join(INVALID, 'hosts-conflicts.yaml')), [
      '4:10 fleet.nodes: fleet.nodes is 3 but fleet.hosts lists 2 hosts (each host is a node)',
      '6:14 fleet.isolation: netns isolation emulates hosts on this machine; it cannot apply to remote fleet.hosts',
      '8:5 fleet.hosts: fleet.hosts are Docker Engines, but the backend is containerd',
      // The same pass names the TLS files that are not there.
      `10:18 fleet.hosts.1.tls.ca: the CA certificate ${join(INVALID, 'ca.pem')} does not exist`,
      `10:32 fleet.hosts.1.tls.cert: the client certificate ${join(INVALID, 'cert.pem')} does not exist`,
      `10:47 fleet.hosts.1.tls.key: the client key ${join(INVALID, 'key.pem')} does not exist`,
    ]);
  });

  test('NIC, disk and registry limits of real engines need netns isolation', async () => {
    assert.deepEqual(await problems(join(INVALID, 'limits-without-netns.yaml')), [
      '4:21 fleet.backend.1: backend docker is listed twice',
      '5:19 fleet.registryEgress: shaping the registry needs it in its own network namespace',
      '7:10 fleet.node.nic: a NIC limit on docker nodes needs each node in its own network namespace',
      '8:19 fleet.node.disk.read: a disk limit on docker nodes needs each node on its own disk',
      '8:33 fleet.node.disk.own: docker nodes get a disk of their own as emulated hosts only',
    ]);
  });

  test('virtual nodes: no read limit, and nothing for netns to isolate', async () => {
    assert.deepEqual(await problems(join(INVALID, 'virtual-read-limit.yaml')), [
      '5:14 fleet.isolation: virtual nodes run inside shipbench and cannot each have a network namespace',
      '7:36 fleet.node.disk.read: virtual nodes limit only what they write; a read limit needs a real disk per node',
    ]);
  });

  test('malformed endpoints and a zero IOPS limit', async () => {
    const found = await problems(join(INVALID, 'bad-endpoints.yaml'));
    assert.deepEqual(found.map((p) => p.split(' ').slice(0, 2).join(' ')), ['6:19 fleet.node.disk.iops:', '8:12 fleet.hosts.0.tcp:', '9:12 fleet.hosts.1.ssh:', '10:7 fleet.hosts.2:']);
    assert.match(found[3] ?? '', /got a mapping with key "pipe"/);
  });

  test('TLS and SSH files that are missing or not files are positioned problems at load, not failures mid-run', async () => {
    assert.deepEqual(await problems(join(INVALID, 'missing-host-files.yaml')), [
      `7:18 fleet.hosts.0.tls.ca: the CA certificate ${join(INVALID, 'certs/missing-ca.pem')} does not exist`,
      `7:73 fleet.hosts.0.tls.key: the client key ${INVALID} is not a regular file`,
      `9:12 fleet.hosts.1.key: the SSH private key ${join(INVALID, 'keys/missing_ed25519')} does not exist`,
    ]);
  });
});

test('a password in a host URL is refused (it would reach results.json), and the error does not repeat it', () => {
  const src = (host: string) => ['name: hosts', 'fleet:', '  backend: docker', '  hosts:', `    - ${host}`].join('\n');
  for (const [host, key] of [['ssh: ssh://deploy:hunter2@build-1', 'ssh'], ['tcp: tcp://deploy:hunter2@build-1:2376', 'tcp']] as const) {
    assert.throws(() => parseScenario(src(host), '/srv/hosts.yaml'), (error: unknown) => {
      assert.ok(error instanceof ShipbenchError);
      const text = error.problems.map((p) => `${p.location.line}:${p.location.col} ${p.keyPath}: ${p.message} ${p.hint ?? ''}`).join('\n');
      assert.match(text, new RegExp(`^5:\\d+ fleet\\.hosts\\.0\\.${key}: expected ${key}://`));
      assert.doesNotMatch(`${text} ${error.message}`, /hunter2/);
      return true;
    });
  }
});

describe('fleet engine keys: resolution', () => {
  test('a backend list, netns, limits and disk size resolve once, in units', async () => {
    const { scenario } = await loadResolvedScenario(join(ROOT, 'scenarios/engines-emulated.yaml'));
    assert.deepEqual(scenario.fleet.backends, ['virtual', 'docker', 'containerd']);
    assert.equal(scenario.fleet.backend, 'virtual');
    assert.equal(scenario.fleet.isolation, 'netns');
    assert.equal(scenario.fleet.node.nicBitsPerSecond, 100e6);
    assert.equal(scenario.fleet.node.disk.writeBytesPerSecond, 200 * 1024 ** 2);
    assert.deepEqual(scenario.fleet.hosts, []);
  });

  test('virtual nodes may each have a disk of their own, sized or sized from the images', () => {
    assert.equal(resolveScenario({ name: 'x' }, 'x.yaml').fleet.node.disk.own, false);
    const own = resolveScenario({ name: 'x', fleet: { node: { disk: { own: true, size: '2GiB' } } } }, 'x.yaml');
    assert.deepEqual([own.fleet.node.disk.own, own.fleet.node.disk.sizeBytes], [true, 2 * 1024 ** 3]);
  });

  test('each host is a node; relative TLS files are relative to the scenario file', () => {
    const src = [
      'name: hosts',
      'fleet:',
      '  backend: docker',
      '  hosts:',
      '    - socket: /run/docker.sock',
      '    - tcp: tcp://127.0.0.1:2376',
      '      tls: { ca: certs/ca.pem, cert: certs/cert.pem, key: /etc/key.pem }',
      '    - ssh: ssh://deploy@build-1:2222',
    ].join('\n');
    const scenario = resolveScenario(parseScenario(src, '/srv/bench/hosts.yaml'), '/srv/bench/hosts.yaml');
    assert.equal(scenario.fleet.nodes, 3);
    assert.deepEqual(scenario.fleet.hosts, [
      { kind: 'socket', socketPath: '/run/docker.sock' },
      { kind: 'tcp', url: 'tcp://127.0.0.1:2376', tls: { caFile: '/srv/bench/certs/ca.pem', certFile: '/srv/bench/certs/cert.pem', keyFile: '/etc/key.pem' } },
      { kind: 'ssh', url: 'ssh://deploy@build-1:2222', privateKeyFile: undefined, knownHostsFile: join(homedir(), '.ssh', 'known_hosts') },
    ]);
  });
});
