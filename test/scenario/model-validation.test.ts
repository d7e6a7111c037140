import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ExitCode, ShipbenchError } from '../../src/core/errors.ts';
import { loadResolvedScenario } from '../../src/scenario/load.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INVALID = join(ROOT, 'fixtures/scenarios/invalid-model');

async function problemsOf(name: string) {
  try {
    await loadResolvedScenario(join(INVALID, name));
  } catch (error) {
    assert.ok(error instanceof ShipbenchError);
    assert.equal(error.exitCode, ExitCode.usage);
    return error.problems.map((p) => ({ at: `${p.location.line}:${p.location.col} ${p.keyPath}`, message: p.message, hint: p.hint ?? '' }));
  }
  return assert.fail(`${name} loaded, but it should not`);
}

describe('model: section, impossible parameters are rejected at validation with positions', () => {
  test('zero bandwidth and a negative share', async () => {
    const p = await problemsOf('impossible-rates.yaml');
    assert.deepEqual(p.map((x) => x.at), ['5:13 model.registry.egress', '7:13 model.p2p.upload', '9:14 model.rollout.prePull']);
    assert.match(p[0]!.message, /must be above zero/);
    assert.match(p[0]!.hint, /1Gbit\/s/);
  });

  test('more concurrent deployments than nodes, a piece larger than the image, shares over 100%, restarts of 0% at a time', async () => {
    const p = await problemsOf('impossible-fleet.yaml');
    assert.deepEqual(p.map((x) => x.at), ['12:5 model.datacentres', '15:12 model.p2p.piece', '17:28 model.rollout.concurrentDeployments', '19:19 model.rsync.restartBatch']);
    assert.match(p[0]!.message, /120\.0%, not 100%/);
    assert.match(p[1]!.message, /larger than the image's layers/);
    assert.match(p[2]!.message, /^50 concurrent deployments per data centre, but the largest data centre has 10 nodes$/);
    assert.match(p[2]!.hint, /at most 10/);
    assert.match(p[3]!.message, /never restarts a node/);
  });

  test('node spread and request settings: a spread over 100%, a start delay that is no duration, an unknown key, no cores, an interference over 100%, a local round trip that is no duration', async () => {
    const p = await problemsOf('impossible-spread.yaml');
    assert.deepEqual(p.map((x) => x.at), ['7:12 model.registry.cores', '10:12 model.node.spread.nic', '11:19 model.node.spread.startDelay', '12:7 model.node.spread.cpu', '13:21 model.node.spread.interference', '14:17 model.node.spread.localRtt']);
    assert.match(p[1]!.message, /between 0% and 100%/);
  });

  test('measured spread shapes: one value, a value that is no rate, a round trip of zero, delays that are no list, a key that is not empirical', async () => {
    const p = await problemsOf('bad-empirical-spread.yaml');
    assert.deepEqual(p.map((x) => x.at), ['7:25 model.node.spread.nic.empirical', '8:36 model.node.spread.disk.empirical.1', '9:37 model.node.spread.latency.empirical.1', '10:32 model.node.spread.startDelay.empirical', '11:19 model.node.spread.decompress']);
    assert.match(p[0]!.message, /at least two measured values/);
    assert.match(p[1]!.message, /"fast" is not a rate/);
    assert.match(p[2]!.message, /above zero/);
    assert.match(p[3]!.message, /expected a list of start delays/);
    assert.match(p[4]!.message, /^expected a coefficient of variation like 10%, or \{ empirical: \[measured values\] \}, got a mapping/);
    assert.match(p[4]!.hint, /empirical/);
  });

  test('runtime, CPU and lazy settings: an unknown runtime and unpack rule, no cores, no durations, a share over 100%', async () => {
    const p = await problemsOf('impossible-runtime.yaml');
    assert.deepEqual(p.map((x) => x.at), ['7:14 model.node.runtime', '8:19 model.node.unpackStarts', '9:17 model.node.unpackTick', '10:12 model.node.start', '12:14 model.node.cpu.cores', '13:21 model.node.cpu.sha256PerGiB', '16:17 model.lazy.workingSet', '18:12 model.harness.cores']);
    assert.match(p[0]!.message, /containerd, docker/);
    assert.match(p[1]!.message, /pipelined or after-downloads/);
    assert.match(p[4]!.message, /above zero/);
  });

  test("rsync's fixed cost per run that is no duration, and its transfer rate of zero", async () => {
    const p = await problemsOf('impossible-rsync.yaml');
    assert.deepEqual(p.map((x) => x.at), ['5:14 model.rsync.perSync', '6:13 model.rsync.stream']);
    assert.match(p[1]!.message, /must be above zero/);
  });

  test('registry connections: an unknown auth, a negative handshake, a window that is no size, a redirect without its round trip', async () => {
    const p = await problemsOf('bad-registry-connection.yaml');
    assert.deepEqual(p.map((x) => x.at), ['6:11 model.registry.auth', '7:16 model.registry.handshake', '8:20 model.registry.initialWindow', '9:15 model.registry.redirect.rtt']);
    assert.match(p[0]!.message, /none, token/);
    assert.match(p[1]!.message, /fewer than 0 round trips/);
  });

  test('rollout settings that do not parse: a release name in capitals, replicas that are no count, a negative surge, an unavailable share over 100%, a readiness period that is no duration, a pre-pull batch of none, a check wait below zero', async () => {
    const p = await problemsOf('bad-releases.yaml');
    assert.deepEqual(p.map((x) => x.at), ['12:22 model.rollout.readinessPeriod', '13:39 model.rollout.prePullFirst.batch', '14:17 model.rollout.canaryWait', '16:17 model.rollout.releases.0.name', '16:32 model.rollout.releases.0.replicas', '17:46 model.rollout.releases.1.maxSurge', '17:66 model.rollout.releases.1.maxUnavailable']);
    assert.match(p[1]!.message, /at least one node/);
    assert.match(p[2]!.message, /duration/);
    assert.match(p[4]!.message, /a share of the data centre's nodes like 117%/);
    assert.match(p[5]!.message, /cannot be negative/);
    assert.match(p[6]!.message, /150% is more than the release's pods/);
  });

  test("releases that do not fit: one name twice, neither surge nor unavailable pods, fewer pods than a data centre's nodes", async () => {
    const p = await problemsOf('impossible-releases.yaml');
    assert.deepEqual(p.map((x) => x.at), ['13:7 model.rollout.releases', '13:7 model.rollout.releases', '14:17 model.rollout.releases.1.name', '14:64 model.rollout.releases.1.maxUnavailable']);
    assert.match(p[0]!.message, /^the releases run 7 pods on data centre "eqiad"'s 10 nodes: 3 nodes would never pull the image$/);
    assert.match(p[1]!.message, /"codfw"/);
    assert.match(p[0]!.hint, /share of the data centre's nodes/);
    assert.match(p[3]!.message, /both 0/);
  });

  test('an end game below zero pieces left', async () => {
    const p = await problemsOf('bad-endgame.yaml');
    assert.deepEqual(p.map((x) => x.at), ['6:14 model.p2p.endgame']);
    assert.match(p[0]!.message, /0 turns it off/);
  });

  test('P2P chunks: a step in no chunks, a layer in a fraction of one', async () => {
    const p = await problemsOf('bad-step-chunks.yaml');
    assert.deepEqual(p.map((x) => x.at), ['6:17 model.p2p.stepChunks', '7:13 model.p2p.chunks']);
    assert.match(p[0]!.message, /needs at least one chunk/);
    assert.match(p[1]!.message, /must be a whole number/);
  });

  test('the decompression rate given both as a rate and as CPU time', async () => {
    const p = await problemsOf('double-decompress.yaml');
    assert.deepEqual(p.map((x) => x.at), ['8:25 model.node.cpu.decompressPerGiB']);
    assert.match(p[0]!.hint, /keep one/);
  });

  test('a data centre that gets no node', async () => {
    const p = await problemsOf('empty-datacentre.yaml');
    assert.deepEqual(p.map((x) => x.at), ['8:7 model.datacentres.1']);
    assert.match(p[0]!.message, /"codfw" gets no nodes of the 3/);
  });

  test('shares on some data centres only, and a name used twice', async () => {
    const p = await problemsOf('mixed-datacentres.yaml');
    assert.deepEqual(p.map((x) => x.at), ['5:5 model.datacentres', '7:15 model.datacentres.2.name']);
  });
});

describe('model: section, resolution', () => {
  test('nodes split by share add up to the fleet; settings land in their units', async () => {
    const { scenario } = await loadResolvedScenario(join(ROOT, 'fixtures/scenarios/valid/tiny-fleet.yaml'));
    const m = scenario.model;
    assert.deepEqual(m.datacentres, [{ name: 'eqiad', nodes: 20 }, { name: 'codfw', nodes: 20 }]);
    assert.deepEqual(m.topologies, ['direct', 'cache', 'p2p']);
    assert.equal(m.registry.egressBitsPerSecond, 1e9);
    assert.equal(m.registry.backendReadBitsPerSecond, 5e8);
    assert.equal(m.p2p.pieceBytes, 256 * 1024);
    assert.equal(m.node.decompressBytesPerSecond, 200 * 1024 * 1024);
    assert.equal(m.rollout.prePullShare, 0.1);
    assert.equal(m.rollout.concurrentDeployments, 10);
  });

  test('without a model: section, one data centre with the whole fleet and the fleet node settings', async () => {
    const { scenario } = await loadResolvedScenario(join(ROOT, 'scenarios/quickstart.yaml'));
    assert.deepEqual(scenario.model.datacentres, [{ name: 'dc1', nodes: 4 }]);
    assert.deepEqual(scenario.model.topologies, ['direct']);
    assert.equal(scenario.model.rollout.concurrentDeployments, 4);
  });
});
