import { z } from 'zod';
import { budgetsInputSchema } from './budgets-schema.ts';
import { CONTENT_KINDS } from './content-kind.ts';
import { hybridInput } from './hybrid-scenario.ts';
import { bitRateField, byteRateField, durationField, shareField, sizeField } from './unit-fields.ts';
import { neighboursInput } from './neighbours-schema.ts';
import { fleetEngineFields, nodeDiskInput } from './fleet-engines-schema.ts';
import { imageGCInput } from './image-gc.ts';
import { CONTAINER_RUNTIMES } from './runtime-pull-rules.ts';
import { modelInputSchema } from './model-schema.ts';
import { registryTimeoutsInput } from './registry-timeouts-input.ts';
import { pathName } from './path-name.ts';
import { cadenceInput } from './cadence-schema.ts';
import { weekTimeField } from './week-time.ts';
import { contentSourceInput } from './content-source.ts';

/**
 * What users write (`ScenarioInput`). Every object is strict, so a misspelt key is an error rather than a
 * silently ignored setting. Defaults are NOT applied here: `resolve.ts` applies them once (rule 2).
 * Unit-bearing fields accept human text and are checked with the same parsers `resolve` uses, so a file that
 * validates always resolves.
 */

export { bitRateField, byteRateField, durationField, shareField, sizeField } from './unit-fields.ts';

const count = (what: string) => z.number({ error: `expected a whole number of ${what}` }).int(`${what} must be a whole number`);
const positiveCount = (what: string, one = what.replace(/s$/, '')) => count(what).min(1, `needs at least one ${one}`);
const nonNegativeCount = (what: string) => count(what).min(0, `${what} cannot be negative`);

export const PRESET_NAMES = ['mediawiki-multiversion', 'mediawiki-single-version', 'empty'] as const;

const componentInput = z.strictObject({
  name: pathName('a component name', /^[a-z0-9][a-z0-9-]*$/, 'a component name is lower-case letters, digits and dashes'),
  files: nonNegativeCount('files').optional(),
  size: sizeField().optional(),
  kind: z.enum(CONTENT_KINDS, { error: `expected one of ${CONTENT_KINDS.join(', ')}` }).optional(),
  perVersion: z.boolean().optional().meta({ description: 'one copy per live branch (true) or shared by all (false)' }),
  dir: z.string().optional().meta({ description: 'where its files live; {version} stands for the branch directory name' }),
  base: z.boolean().optional().meta({ description: 'part of the base image (OS + PHP runtime), not of the code tree' }),
  remove: z.literal(true).optional().meta({ description: 'drop this component of the preset' }),
});

const contentInput = z.strictObject({
  preset: z.enum(PRESET_NAMES, { error: `expected one of ${PRESET_NAMES.join(', ')}` }).optional(),
  scale: z.number({ error: 'expected a number such as 0.05' }).gt(0, 'scale must be above 0').max(10, 'scale above 10 is not supported').optional()
    .meta({ description: 'shrink (or grow) file counts and sizes, keeping proportions' }),
  versions: positiveCount('versions').max(20, 'at most 20 live versions').optional(),
  firstVersion: z.string().regex(/^\d+\.\d+\.\d+-wmf\.\d+$/, 'a version looks like 1.45.0-wmf.1').optional(),
  components: z.array(componentInput).optional(),
  source: contentSourceInput.optional(),
});

const gzipLevel = z.number().int().min(1, 'gzip level is 1 to 9').max(9, 'gzip level is 1 to 9');

const compressionInput = z.union(
  [
    z.enum(['gzip', 'none']),
    z.strictObject({ gzip: z.strictObject({ level: gzipLevel.optional(), engine: z.enum(['libdeflate', 'zlib'], { error: 'engine is libdeflate or zlib' }).optional() }) }),
  ],
  { error: 'expected gzip, none, or { gzip: { level: 1..9, engine: libdeflate | zlib } }' },
);

export const STRATEGY_KINDS = ['monolithic', 'per-component', 'per-version', 'chunked', 'incremental'] as const;
const strategyName = pathName('a strategy name', /^[a-z0-9][a-z0-9.-]*$/, 'a strategy name is lower-case letters, digits, dots and dashes')
  // Results name the rsync side of the comparison "volume" (RESERVED_STRATEGY_NAME in resolved.ts).
  .regex(/^(?!volume$)/, '"volume" is reserved for the rsync side of the comparison; give this layer strategy another name')
  .regex(/^(?!hybrid$)/, '"hybrid" is reserved for the hybrid side (image unpacked on the master, then rsync); give this layer strategy another name')
  .optional();

const strategyInput = z.union(
  [
    z.enum(['monolithic', 'per-component', 'per-version', 'incremental']),
    z.strictObject({ monolithic: z.strictObject({}).optional().nullable(), name: strategyName }),
    z.strictObject({ 'per-component': z.strictObject({}).optional().nullable(), name: strategyName }),
    z.strictObject({ 'per-version': z.strictObject({}).optional().nullable(), name: strategyName }),
    z.strictObject({ chunked: z.strictObject({ maxLayer: sizeField() }), name: strategyName }),
    z.strictObject({
      incremental: z.strictObject({
        rebuildAbove: shareField().optional(),
        maxLayers: z.number().int().min(2, 'maxLayers must be at least 2').max(500).optional(),
        rebuildOn: z.array(z.enum(['backport', 'config', 'train', 'l10n'])).optional(),
      }).nullable(),
      name: strategyName,
    }),
  ],
  {
    error:
      'expected a layer strategy: monolithic, per-component, per-version, incremental, { chunked: { maxLayer: 512MiB } } or { incremental: { rebuildAbove: 25%, maxLayers: 125 } }',
  },
);

const imageInput = z.strictObject({
  base: z.strictObject({ size: sizeField().optional(), files: nonNegativeCount('files').optional() }).optional(),
  strategies: z.array(strategyInput).min(1, 'name at least one layer strategy').optional(),
  compression: compressionInput.optional(),
  repository: z.string().regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/, 'a repository name is lower-case path components').optional(),
});

export const STEP_KINDS = ['initial', 'backport', 'config', 'train', 'l10n'] as const;
const stepName = pathName('a step name', /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'a step name is letters, digits, dots, dashes and underscores (it becomes an image tag)').optional();
const versionChoice = z.enum(['newest', 'oldest']);
// When the change was merged in the simulated week; with a `cadence`, the build after it ships it.
const mergedAt = weekTimeField().optional();

const stepInput = z.union(
  [
    z.enum(STEP_KINDS),
    z.strictObject({ initial: z.strictObject({}).nullable(), name: stepName, at: mergedAt }),
    z.strictObject({
      backport: z.strictObject({
        files: positiveCount('files').optional(),
        removes: nonNegativeCount('removes').optional(),
        version: versionChoice.optional(),
      }).nullable(),
      name: stepName,
      at: mergedAt,
    }),
    z.strictObject({
      config: z.strictObject({ files: positiveCount('files').optional(), removes: nonNegativeCount('removes').optional() }).nullable(),
      name: stepName,
      at: mergedAt,
    }),
    z.strictObject({ train: z.strictObject({ churn: shareField().optional() }).nullable(), name: stepName, at: mergedAt }),
    z.strictObject({ l10n: z.strictObject({ version: versionChoice.optional() }).nullable(), name: stepName, at: mergedAt }),
  ],
  {
    error:
      'expected a deploy step: initial, backport, config, train, l10n, or one of them with settings, e.g. { backport: { files: 1 } }',
  },
);

const volumeInput = z.strictObject({
  proxies: positiveCount('proxies', 'proxy').max(64).optional(),
  assign: z.enum(['round-robin', 'least-loaded']).optional(),
  batch: positiveCount('targets', 'target').max(100_000).optional()
    .meta({ description: "targets synced at once across the fleet, as scap's ssh batch (default 80, scap.ssh DEFAULT_BATCH_SIZE); fleet.rollout still applies" }),
  // scap's rsync flags: --compress on the wire, --delay-updates to rename changed files into place at the end.
  compress: z.boolean().optional().meta({ description: 'rsync --compress, as scap does (default true)' }),
  delayUpdates: z.boolean().optional().meta({ description: 'rsync --delay-updates, as scap does (default true): changed files land together at the end of each sync' }),
  l10n: z.enum(['rebuild', 'ship'], { error: 'expected rebuild (scap: ship the upstream JSON, rebuild each CDB on the node) or ship (rsync the CDB files too)' }).optional().meta({ description: 'l10n cache: rebuild (default, as scap: CDB files excluded from rsync and rebuilt on each node from the shipped JSON) or ship' }),
});

const rolloutStage = z.union(
  [z.strictObject({ canaries: positiveCount('canaries', 'canary') }), z.strictObject({ rest: z.literal(true) })],
  { error: 'expected a stage: { canaries: N } or { rest: true }' },
);

const fleetInput = z.strictObject({
  nodes: positiveCount('nodes').max(100_000).optional(),
  ...fleetEngineFields({ bitRate: bitRateField, byteRate: byteRateField, size: sizeField }),
  rollout: z.strictObject({
    maxConcurrent: positiveCount('concurrent nodes', 'concurrent node').optional(),
    stages: z.array(rolloutStage).min(1).optional(),
  }).optional(),
  node: z.strictObject({
    nic: bitRateField().optional(),
    // Virtual nodes throttle what they write; read and IOPS limits need a real disk per node (netns hosts).
    disk: nodeDiskInput({ bitRate: bitRateField, byteRate: byteRateField, size: sizeField }).optional(),
    maxConcurrentDownloads: positiveCount('downloads').max(64).optional(),
    unpack: z.boolean().optional(),
    imageGC: imageGCInput.optional().meta({ description: 'what a node keeps of the images it pulled: kubelet-like thresholds of disk.size, or the last N images (default { keepLast: 2 })' }),
    runtime: z.enum(CONTAINER_RUNTIMES, { error: `expected one of ${CONTAINER_RUNTIMES.join(', ')}` }).optional()
      .meta({ description: 'the container runtime a virtual node emulates: what it downloads, keeps, writes and syncs (default containerd)' }),
  }).optional(),
});

const registryInput = z.union(
  [
    z.strictObject({ embedded: z.literal(true), timeouts: registryTimeoutsInput.optional() }),
    z.strictObject({
      url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
      auth: z.strictObject({ username: z.string(), password: z.string() }).optional(),
      insecure: z.boolean().optional(),
      timeouts: registryTimeoutsInput.optional(),
    }),
  ],
  { error: 'expected { embedded: true } or { url: https://..., auth: { username, password } }' },
);

const measureInput = z.strictObject({
  repeat: positiveCount('repeats').max(1000).optional(),
  warmup: nonNegativeCount('warmup runs').max(100).optional(),
  timeout: durationField().optional(),
});

export const scenarioInputSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: pathName('a scenario name', /^[a-z0-9][a-z0-9._-]*$/, 'a scenario name is lower-case letters, digits, dots, dashes and underscores', 'every scenario needs a name'),
    description: z.string().optional(),
    seed: z.union([z.number().int(), z.string().min(1)], { error: 'expected a whole number or a non-empty string' }).optional()
      .meta({ description: 'same seed: byte-identical content and identical layer digests' }),
    content: contentInput.optional(),
    image: imageInput.optional(),
    deploy: z.array(stepInput).min(1, 'name at least the initial step').optional(),
    cadence: cadenceInput.optional(),
    volume: volumeInput.optional(),
    hybrid: hybridInput.optional().nullable(),
    fleet: fleetInput.optional(),
    registry: registryInput.optional(),
    measure: measureInput.optional(),
    neighbours: neighboursInput.optional(),
    budgets: budgetsInputSchema.optional().meta({ description: 'budgets `shipbench check` holds this scenario\'s images (and its results) to' }),
    model: modelInputSchema.optional(),
  })
  .meta({ title: 'shipbench scenario', description: 'A shipbench scenario: what content ships, how images are layered, which deploys follow.' });

export type ScenarioInput = z.infer<typeof scenarioInputSchema>;
export type ComponentInput = z.infer<typeof componentInput>;
export type StrategyInput = z.infer<typeof strategyInput>;
export type StepInput = z.infer<typeof stepInput>;
