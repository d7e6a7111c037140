// Starts one engine daemon through the real startEngineDaemon (a `sleep` stands in for dockerd; as root it is
// started through nsenter into this process's own network namespace, as emulated hosts' daemons are), prints
// its pid, then waits to be killed: the stand-in for a shipbench killed with SIGKILL mid-run.
import { join } from 'node:path';
import { TeardownRegistry } from '../../src/core/teardown-registry.ts';
import { startEngineDaemon } from '../../src/nodes/engines/engine-daemon.ts';

const [workDir = '/tmp'] = process.argv.slice(2);
const daemon = await startEngineDaemon({
  label: 'stand-in daemon',
  command: 'sleep',
  args: ['600'],
  logFile: join(workDir, 'daemon.log'),
  netnsPath: process.getuid?.() === 0 ? '/proc/self/ns/net' : undefined,
  cgroupDir: undefined,
  ready: async () => true,
  teardown: new TeardownRegistry(),
});
process.stdout.write(`${daemon.pid}\n`);
setInterval(() => undefined, 1000);
