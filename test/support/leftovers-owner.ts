// A run's host resources, made by the real code and never torn down: the stand-in for a shipbench killed with
// SIGKILL. It builds one emulated host (namespace, bridge, veth, a loop-mounted ext4 disk in a blkio cgroup)
// and starts a real containerd in it, prints what it made as one JSON line, then waits to be killed.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { TeardownRegistry } from '../../src/core/teardown-registry.ts';
import { startEngineDaemon } from '../../src/nodes/engines/engine-daemon.ts';
import { containerdConfig } from '../../src/nodes/engines/containerd-local-node.ts';
import { createFleetNetwork } from '../../src/nodes/isolation/fleet-network.ts';
import { engineStateDir } from '../../src/nodes/isolation/leftover-sweep.ts';
import { createNodeDisk, nodeDisksDirName } from '../../src/nodes/isolation/node-disk.ts';

const [workDir = ''] = process.argv.slice(2);
const teardown = new TeardownRegistry();
const network = await createFleetNetwork({ nodeNames: ['node-1'], nicBitsPerSecond: undefined, registryEgressBitsPerSecond: undefined, teardown });
const node = network.nodes.get('node-1');
if (node === undefined) throw new Error('no node-1 in the network');
const disks = join(workDir, nodeDisksDirName(network.id));
await mkdir(disks, { recursive: true });
const disk = await createNodeDisk({
  imageFile: join(disks, 'node-1.img'),
  mountpoint: join(disks, 'node-1'),
  sizeBytes: 64 * 2 ** 20,
  limits: { readBytesPerSecond: undefined, writeBytesPerSecond: 100 * 2 ** 20, readIops: undefined, writeIops: undefined },
  cgroupName: `shipbench-${network.id}/containerd-node-1`,
  teardown,
});
const stateDir = await engineStateDir();
const socket = join(stateDir, 'containerd.sock');
const config = join(stateDir, 'containerd.toml');
await writeFile(config, containerdConfig(join(disk.mountpoint, 'containerd'), join(stateDir, 'state'), socket));
const daemon = await startEngineDaemon({
  label: 'containerd of node-1',
  command: 'containerd',
  args: ['--config', config],
  logFile: join(stateDir, 'containerd.log'),
  netnsPath: node.netnsPath,
  cgroupDir: disk.cgroupDir,
  ready: async () => (await execa('ctr', ['-a', socket, 'version'], { timeout: 5_000 }), true),
  teardown,
  // A daemon that outlives its owner (as without setpriv): what the sweep must find and end.
  dieWithOwner: false,
});
const made = {
  tag: network.id,
  namespaces: [network.registry.netns, node.netns],
  links: [network.bridge, network.registry.hostLink, node.hostLink],
  mountpoint: disk.mountpoint,
  loopDevice: `/dev/${disk.device}`,
  cgroup: join('/sys/fs/cgroup/blkio', `shipbench-${network.id}`),
  daemonPid: daemon.pid,
  stateDir,
  disksDir: disks,
};
process.stdout.write(`${JSON.stringify(made)}\n`);
setInterval(() => undefined, 1000);
