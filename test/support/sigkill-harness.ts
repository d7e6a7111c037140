// A harness stand-in for the SIGKILL test: starts the embedded registry, an rsync daemon and a fio
// neighbour, prints what it started as one JSON line, then waits to be killed.
import { dirname, join } from 'node:path';
import { FioNeighbour } from '../../src/neighbours/fio-neighbour.ts';
import { startEmbeddedRegistry } from '../../src/registry/embedded-registry.ts';
import { resolveNeighbours } from '../../src/scenario/neighbours-resolve.ts';
import { startRsyncDaemon } from '../../src/volume/rsync-daemon.ts';

const [dir = ''] = process.argv.slice(2);
const registry = await startEmbeddedRegistry();
const rsync = await startRsyncDaemon({ name: 'master', modules: [{ name: 'tree', path: dir }], stateDir: join(dir, 'rsyncd') });
const settings = resolveNeighbours({ workloads: [{ fio: { rateIops: 20, size: '4MiB' } }] })?.workloads[0];
if (settings?.kind !== 'fio') throw new Error('expected a fio neighbour');
const fio = new FioNeighbour(settings, join(dir, 'fio'));
await fio.preflight();
await fio.beginStep();
process.stdout.write(`${JSON.stringify({ registryPid: registry.pid, registryTempDir: dirname(registry.storageDir), rsyncPid: rsync.pid })}\n`);
setInterval(() => undefined, 1000);
