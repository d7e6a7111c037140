// A harness stand-in that sets up CPU isolation and the pressure groups, puts itself on the harness side
// and a sleeping child on the neighbours' side, prints the groups it made, then ends the way the test asks:
// `crash` (an uncaught error once the test writes a line to its stdin) or `wait` (until a signal arrives).
import { spawn } from 'node:child_process';
import { CpuIsolation } from '../../src/neighbours/cpu-isolation.ts';
import { PressureGroups } from '../../src/neighbours/pressure-groups.ts';

const how = process.argv[2] ?? 'wait';
const { isolation, outcome } = CpuIsolation.create('cpuset');
if (isolation === undefined) {
  process.stdout.write(`shared ${outcome.note}\n`);
  process.exit(0);
}
const pressure = PressureGroups.create(isolation.neighboursV2Dir);
isolation.move('harness', [process.pid]);
const neighbour = spawn('sleep', ['600'], { stdio: 'ignore' });
if (neighbour.pid === undefined) throw new Error('sleep did not start');
isolation.move('neighbours', [neighbour.pid]);
pressure?.place('sleeper', [neighbour.pid]);
process.stdout.write(`isolated ${neighbour.pid}\n`);
if (how === 'crash') process.stdin.once('data', () => { throw new Error('the harness crashed'); });
else setInterval(() => undefined, 1000);
