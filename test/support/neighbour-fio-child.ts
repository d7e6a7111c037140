// A harness stand-in that starts the real fio neighbour for a step, says "running" once fio is started, then
// ends the way the test asks: `crash` (an uncaught error once the test writes a line to its stdin, so the test
// has looked at fio first however slow the machine) or `wait` (until a signal arrives).
import { FioNeighbour } from '../../src/neighbours/fio-neighbour.ts';
import { resolveNeighbours } from '../../src/scenario/neighbours-resolve.ts';

const [dir = '', how = 'crash'] = process.argv.slice(2);
const settings = resolveNeighbours({ workloads: [{ fio: { rateIops: 20, size: '4MiB' } }] })?.workloads[0];
if (settings?.kind !== 'fio') throw new Error('expected a fio neighbour');
const fio = new FioNeighbour(settings, dir);
await fio.preflight();
await fio.beginStep();
process.stdout.write('running\n');
if (how === 'crash') process.stdin.once('data', () => { throw new Error('the harness crashed'); });
else setInterval(() => undefined, 1000);
