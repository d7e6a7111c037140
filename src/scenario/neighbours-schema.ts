import { z } from 'zod';
import { pathName } from './path-name.ts';
import { durationField, shareField, sizeField } from './unit-fields.ts';

/**
 * `neighbours:`: workloads shipbench starts beside the nodes, measured alone (baseline), during each
 * deploy step's rollout (contention) and after it (recovery), with the same settings in every phase.
 */

const workloadName = pathName('a neighbour name', /^[a-z0-9][a-z0-9-]*$/, 'a neighbour name is lower-case letters, digits and dashes').optional();
const whole = (what: string, min: number, max: number) =>
  z.number({ error: `expected a whole number of ${what}` }).int(`${what} must be a whole number`).min(min, `${what} must be at least ${min}`).max(max, `${what} must be at most ${max}`);

const httpInput = z.strictObject({
  rate: z.number({ error: 'expected requests per second, e.g. 100' }).gt(0, 'rate must be above 0').max(5000, 'rate is at most 5000 requests per second')
    .meta({ description: 'requests per second, sent open-loop (on schedule whether or not earlier ones came back)' }),
  hash: sizeField().optional().meta({ description: 'bytes hashed with SHA-256 per request (CPU work), e.g. 16KiB' }),
  reads: whole('reads', 0, 100).optional().meta({ description: 'small files read per request' }),
  readSize: sizeField().optional(),
  writes: whole('writes', 0, 100).optional().meta({ description: 'records appended and fdatasync\'d per request, like a database commit' }),
  writeSize: sizeField().optional(),
  files: whole('files', 1, 10_000).optional().meta({ description: 'files the reads pick from' }),
  connections: whole('connections', 1, 1024).optional().meta({ description: 'most requests in flight; past it a request waits, and the wait counts' }),
  probe: durationField().optional().meta({ description: 'autocannon closed-loop warm-up that measures the service\'s capacity' }),
});

const fioInput = z.strictObject({
  rw: z.enum(['randrw', 'randread', 'randwrite', 'read', 'write', 'rw']).optional(),
  blockSize: sizeField().optional(),
  rateIops: whole('IOPS', 1, 1_000_000).optional().meta({ description: 'fio rate_iops: the cap per direction (reads and writes each for randrw)' }),
  direct: z.boolean().optional().meta({ description: 'O_DIRECT, past the page cache (needs a filesystem that supports it, not tmpfs)' }),
  size: sizeField().optional().meta({ description: 'size of fio\'s file' }),
});

const workloadInput = z.union(
  [z.strictObject({ http: httpInput, name: workloadName }), z.strictObject({ fio: fioInput.nullable(), name: workloadName })],
  { error: 'expected a neighbour: { http: { rate: 100 } } or { fio: { rateIops: 100 } }' },
);

export const neighboursInput = z.strictObject({
  baseline: durationField().optional().meta({ description: 'neighbour alone before each step' }),
  recovery: durationField().optional().meta({ description: 'neighbour alone after each step' }),
  minEffect: shareField().optional().meta({ description: 'smallest change of the median latency that counts as an impact (default 10%); a smaller significant one prints ~' }),
  isolation: z.enum(['cpuset', 'shared'], { error: 'expected cpuset (the neighbours get their own core) or shared (they share the CPUs with the harness)' }).optional()
    .meta({ description: 'cpuset (default with 2+ cores and writable cgroups): the neighbours on their own core, so only the disk is shared; shared: CPU contention with the harness counts too' }),
  steps: z.array(z.string()).min(1).optional().meta({ description: 'deploy step names to measure; every step when absent' }),
  strategies: z.array(z.string()).min(1).optional().meta({ description: 'layer strategies (or volume) to measure; every one when absent' }),
  workloads: z.array(workloadInput).min(1, 'name at least one neighbour workload'),
});

export type NeighboursInput = z.infer<typeof neighboursInput>;
