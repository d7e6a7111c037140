import { resolveBudgets } from './budgets-resolve.ts';
import { parseBitsPerSecond, parseBytes, parseBytesPerSecond, parseSeconds, parseShare } from '../core/units.ts';
import { findModelProblems, resolveModel } from './model-resolve.ts';
import { DEFAULT_FIRST_VERSION, PRESETS, type PresetComponent } from './presets.ts';
import { backendsOf, fleetEngineProblems, resolveFleetEngines, resolveNodeDisk } from './resolve-fleet-engines.ts';
import type {
  DeployStepKind,
  ResolvedComponent,
  ResolvedCompression,
  ResolvedScenario,
  ResolvedStep,
  ResolvedStrategy,
  RolloutStage,
} from './resolved.ts';
import type { ComponentInput, ScenarioInput, StepInput, StrategyInput } from './schema.ts';
import { splitRegistryUrl } from './registry-url.ts';
import { findHybridProblems, resolveHybrid } from './hybrid-scenario.ts';
import { findNeighbourProblems, resolveNeighbours } from './neighbours-resolve.ts';
import { resolveRegistryTimeouts } from './registry-timeouts-input.ts';
import { pathsOverlap } from './accepted-part.ts';
import { contentLimitProblems } from './content-limits.ts';
import { rolloutProblems } from './rollout-problems.ts';
import { imageGCProblems, resolveImageGC } from './image-gc.ts';
import { DEFAULT_CONTAINER_RUNTIME } from './runtime-pull-rules.ts';
import { cadenceProblems, resolveCadence } from './cadence-resolve.ts';
import type { SemanticProblem } from './semantic-problem.ts';
import { gitDeploySteps, resolveContentSource, sourceComponents } from './content-source.ts';

export type { SemanticProblem } from './semantic-problem.ts';

export const DEFAULTS = {
  seed: 1,
  preset: 'mediawiki-multiversion',
  scale: 1,
  strategies: ['monolithic'] as const,
  gzipLevel: 1,
  gzipEngine: 'libdeflate' as const,
  repository: 'shipbench/mediawiki',
  backportFiles: 1,
  configFiles: 1,
  // Real weekly trains change 1-16% of an extension's files, mostly i18n JSON (DOMAIN.md).
  trainChurn: 0.04,
  incrementalRebuildAbove: 0.25,
  incrementalMaxLayers: 125,
  incrementalRebuildOn: ['l10n'] as DeployStepKind[],
  proxies: 2,
  /** scap syncs its targets this many at once, over the whole fleet (scap/ssh.py DEFAULT_BATCH_SIZE, which sync-world keeps). */
  volumeBatch: 80,
  nodes: 4,
  maxConcurrentDownloads: 3,
  repeat: 1,
  warmup: 0,
  timeoutSeconds: 3600,
} as const;

/** Branch names after `first`: 1.45.0-wmf.1 -> 1.45.0-wmf.2 -> ... (a train bumps the wmf number). */
export function nextVersion(version: string): string {
  const m = /^(.*-wmf\.)(\d+)$/.exec(version);
  if (m === null) throw new Error(`version "${version}" does not end in -wmf.N`);
  return `${m[1]}${Number(m[2]) + 1}`;
}

function scaled(count: number, scale: number): number {
  return count === 0 ? 0 : Math.max(1, Math.round(count * scale));
}

function mergeComponents(input: ScenarioInput): PresetComponent[] {
  const preset = PRESETS[input.content?.preset ?? DEFAULTS.preset];
  const merged = new Map<string, PresetComponent>((preset?.components ?? []).map((c) => [c.name, c]));
  for (const override of input.content?.components ?? []) {
    if (override.remove === true) {
      merged.delete(override.name);
      continue;
    }
    merged.set(override.name, applyOverride(merged.get(override.name), override));
  }
  const base = input.image?.base;
  const current = merged.get('base');
  if (base !== undefined && current !== undefined) {
    merged.set('base', {
      ...current,
      bytes: base.size === undefined ? current.bytes : parseBytes(base.size),
      files: base.files ?? current.files,
    });
  }
  return [...merged.values()];
}

function applyOverride(existing: PresetComponent | undefined, o: ComponentInput): PresetComponent {
  const perVersion = o.perVersion ?? existing?.perVersion ?? false;
  return {
    name: o.name,
    files: o.files ?? existing?.files ?? 0,
    bytes: o.size === undefined ? (existing?.bytes ?? 0) : parseBytes(o.size),
    kind: o.kind ?? existing?.kind ?? 'php',
    perVersion,
    base: o.base ?? existing?.base ?? false,
    dir: o.dir ?? existing?.dir ?? (perVersion ? `srv/mediawiki/php-{version}/${o.name}` : `srv/mediawiki/${o.name}`),
  };
}

/**
 * A cross-key check and the keys it reads: it runs on whatever part of the file the schema accepted, unless
 * something it reads was dropped (a default standing in for a rejected value would make it mislead).
 */
interface CrossKeyCheck {
  readonly reads: ReadonlyArray<ReadonlyArray<string>>;
  readonly find: (input: ScenarioInput) => SemanticProblem[];
}

const CONTENT_KEYS = [['content'], ['image', 'base']] as const;
const FLEET_SIZE_KEYS = [['fleet', 'nodes'], ['fleet', 'hosts']] as const;

const CROSS_KEY_CHECKS: readonly CrossKeyCheck[] = [
  { reads: CONTENT_KEYS, find: componentProblems },
  { reads: [...CONTENT_KEYS, ['deploy']], find: deployProblems },
  { reads: [['deploy']], find: (input) => duplicateStepNames(resolveSteps(input.deploy ?? ['initial']).map((s) => s.name)) },
  { reads: [['image', 'strategies']], find: strategyProblems },
  { reads: [['cadence'], ['deploy']], find: (input) => cadenceProblems(input.cadence, input.deploy ?? ['initial']) },
  { reads: [...FLEET_SIZE_KEYS, ['fleet', 'rollout', 'stages']], find: (input) => rolloutProblems(input.fleet, nodesOf(input)) },
  { reads: [['neighbours'], ['deploy'], ['image', 'strategies']], find: (input) => findNeighbourProblems(input.neighbours, stepNamesOf(input), strategyNamesOf(input)) },
  { reads: [['fleet']], find: (input) => fleetEngineProblems(input.fleet) },
  { reads: [['hybrid'], ['image', 'strategies'], ['deploy']], find: (input) => findHybridProblems(input.hybrid, strategyNamesOf(input), stepNamesOf(input)) },
  { reads: [['fleet', 'node']], find: (input) => imageGCProblems(input.fleet?.node) },
  {
    reads: [['model'], ...FLEET_SIZE_KEYS, ...CONTENT_KEYS],
    find: (input) => findModelProblems(input.model, nodesOf(input), mergeComponents(input).filter((c) => !c.base).reduce((n, c) => n + c.bytes * (input.content?.scale ?? DEFAULTS.scale), 0)),
  },
  { reads: CONTENT_KEYS, find: (input) => contentLimitProblems(input, mergeComponents(input)) },
];

/**
 * Problems that need more than one key to see. Empty (with nothing dropped) means `resolveScenario` will
 * succeed. `dropped`: keys the schema rejected; checks that read them are skipped.
 */
export function findSemanticProblems(input: ScenarioInput, dropped: ReadonlyArray<ReadonlyArray<string | number>> = []): SemanticProblem[] {
  return CROSS_KEY_CHECKS.filter((check) => !check.reads.some((read) => dropped.some((d) => pathsOverlap(read, d)))).flatMap((check) => check.find(input));
}

const nodesOf = (input: ScenarioInput): number => input.fleet?.hosts?.length ?? input.fleet?.nodes ?? DEFAULTS.nodes;
const stepNamesOf = (input: ScenarioInput): string[] => resolveSteps(input.deploy ?? ['initial']).map((s) => s.name);
const strategyNamesOf = (input: ScenarioInput): string[] => (input.image?.strategies ?? DEFAULTS.strategies).map(resolveStrategy).map((s) => s.name);

function componentProblems(input: ScenarioInput): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const components = mergeComponents(input);
  (input.content?.components ?? []).forEach((c, i) => {
    const merged = components.find((m) => m.name === c.name);
    if (merged === undefined) return;
    if (merged.files > 0 && merged.bytes < merged.files && c.remove !== true) {
      problems.push({ path: ['content', 'components', i], message: `component "${c.name}" has ${merged.files} files but only ${merged.bytes} bytes`, hint: 'give it a size of at least one byte per file, or fewer files' });
    }
    if (merged.bytes > 0 && merged.files === 0) {
      problems.push({ path: ['content', 'components', i], message: `component "${c.name}" has a size but no files`, hint: 'set files: to at least 1, or remove the size' });
    }
    if (/(^|\/)\.\.(\/|$)|^\//.test(merged.dir)) {
      problems.push({ path: ['content', 'components', i, 'dir'], message: `dir "${merged.dir}" must be a relative path inside the image`, hint: 'write it like srv/mediawiki/php-{version}/extensions' });
    }
  });
  const names = new Set<string>();
  (input.content?.components ?? []).forEach((c, i) => {
    if (names.has(c.name)) problems.push({ path: ['content', 'components', i, 'name'], message: `component "${c.name}" is listed twice`, hint: 'merge the two entries' });
    names.add(c.name);
  });
  if (input.content?.source === undefined && !components.some((c) => !c.base && c.files > 0)) {
    problems.push({ path: ['content'], message: 'the scenario ships no code: no component outside the base image has files', hint: 'use a preset such as mediawiki-multiversion or list components with files and size' });
  }
  return problems;
}

function deployProblems(input: ScenarioInput): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  // A real source's steps are checked against its files when it is read (real-deploy-step.ts).
  const components = input.content?.source === undefined ? mergeComponents(input) : undefined;
  const steps = input.deploy ?? ['initial'];
  steps.forEach((step, i) => {
    const kind = stepKind(step);
    if (i === 0 && kind !== 'initial') problems.push({ path: ['deploy', 0], message: `the first deploy step is "${kind}", but it must be "initial"`, hint: 'start deploy: with - initial (the first rollout of the image)' });
    if (i > 0 && kind === 'initial') problems.push({ path: ['deploy', i], message: '"initial" can only be the first step', hint: 'remove it, or move it to the top' });
    if (components === undefined) return;
    if ((kind === 'train' || kind === 'l10n' || kind === 'backport') && !components.some((c) => c.perVersion && c.files > 0)) {
      problems.push({ path: ['deploy', i], message: `a ${kind} step needs per-version components, and this content has none`, hint: 'use a MediaWiki preset or mark a component perVersion: true' });
    }
    if (kind === 'l10n' && !components.some((c) => c.perVersion && c.kind === 'cdb' && c.files > 0)) {
      problems.push({ path: ['deploy', i], message: 'an l10n step rebuilds the l10n cache, and this content has no per-version cdb component', hint: 'keep the preset\'s l10n-cache component, or add one with kind: cdb and perVersion: true' });
    }
    if (kind === 'config' && !components.some((c) => c.name === 'config' && c.files > 0)) {
      problems.push({ path: ['deploy', i], message: 'a config step changes files of the "config" component, and this content has none', hint: 'add a component named config' });
    }
    if ((kind === 'config' || kind === 'backport') && typeof step === 'object') {
      const settings = (kind === 'config' ? (step as { config: unknown }).config : (step as { backport: unknown }).backport) as { files?: number; removes?: number } | null;
      const wanted = (settings?.files ?? 1) + (settings?.removes ?? 0);
      const scale = input.content?.scale ?? DEFAULTS.scale;
      const available = components
        .filter((c) => (kind === 'config' ? c.name === 'config' : c.perVersion && c.kind === 'php'))
        .reduce((n, c) => n + scaled(c.files, scale), 0);
      if (wanted > available && available > 0) {
        problems.push({
          path: ['deploy', i, kind],
          message: `this ${kind} changes and removes ${wanted} files, but at this scale only ${available} ${kind === 'config' ? 'config files' : 'PHP files per branch'} exist`,
          hint: 'lower files:/removes:, or raise content.scale',
        });
      }
    }
  });
  return problems;
}

function duplicateStepNames(stepNames: readonly string[]): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  stepNames.forEach((name, i) => {
    if (stepNames.indexOf(name) !== i) problems.push({ path: ['deploy', i], message: `two deploy steps are named "${name}"`, hint: 'give one of them another name: (names become image tags)' });
  });
  return problems;
}

function strategyProblems(input: ScenarioInput): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const strategyNames = strategyNamesOf(input);
  strategyNames.forEach((name, i) => {
    if (strategyNames.indexOf(name) !== i) problems.push({ path: ['image', 'strategies', i], message: `two layer strategies are named "${name}"`, hint: 'add name: to one of them' });
  });
  for (const [i, s] of (input.image?.strategies ?? []).entries()) {
    if (typeof s === 'object' && 'chunked' in s && parseBytes(s.chunked.maxLayer) < 1024) {
      problems.push({ path: ['image', 'strategies', i, 'chunked', 'maxLayer'], message: 'maxLayer below 1 KiB would put every file in its own layer', hint: 'use something like 64MiB or 512MiB' });
    }
  }
  return problems;
}

function stepKind(step: StepInput): DeployStepKind {
  if (typeof step === 'string') return step;
  for (const kind of ['initial', 'backport', 'config', 'train', 'l10n'] as const) if (kind in step) return kind;
  throw new Error('unreachable: the schema admits no other step');
}

function resolveSteps(steps: readonly StepInput[]): ResolvedStep[] {
  const counts = new Map<string, number>();
  return steps.map((step) => {
    const kind = stepKind(step);
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    const settings = typeof step === 'string' ? {} : ((step as Record<string, unknown>)[kind] ?? {});
    const name = (typeof step === 'object' ? step.name : undefined) ?? (kind === 'initial' ? 'initial' : `${kind}-${n}`);
    const s = settings as { files?: number; removes?: number; version?: 'newest' | 'oldest'; churn?: string | number };
    switch (kind) {
      case 'initial':
        return { name, kind };
      case 'backport':
        return { name, kind, files: s.files ?? DEFAULTS.backportFiles, removes: s.removes ?? 0, version: s.version ?? 'newest' };
      case 'config':
        return { name, kind, files: s.files ?? DEFAULTS.configFiles, removes: s.removes ?? 0 };
      case 'train':
        return { name, kind, churnShare: s.churn === undefined ? DEFAULTS.trainChurn : parseShare(s.churn) };
      case 'l10n':
        return { name, kind, version: s.version ?? 'newest' };
    }
  });
}

function resolveStrategy(strategy: StrategyInput): ResolvedStrategy {
  if (typeof strategy === 'string') {
    if (strategy === 'incremental') return incremental('incremental', null);
    return { name: strategy, kind: strategy };
  }
  if ('chunked' in strategy) {
    const maxLayerBytes = parseBytes(strategy.chunked.maxLayer);
    const label = typeof strategy.chunked.maxLayer === 'string' ? strategy.chunked.maxLayer.replace(/\s+/g, '') : `${maxLayerBytes}B`;
    return { name: strategy.name ?? `chunked-${label}`, kind: 'chunked', maxLayerBytes };
  }
  if ('incremental' in strategy) return incremental(strategy.name ?? 'incremental', strategy.incremental);
  if ('monolithic' in strategy) return { name: strategy.name ?? 'monolithic', kind: 'monolithic' };
  if ('per-component' in strategy) return { name: strategy.name ?? 'per-component', kind: 'per-component' };
  return { name: strategy.name ?? 'per-version', kind: 'per-version' };
}

function incremental(
  name: string,
  o: { rebuildAbove?: string | number; maxLayers?: number; rebuildOn?: DeployStepKind[] } | null,
): ResolvedStrategy {
  return {
    name,
    kind: 'incremental',
    rebuildAboveShare: o?.rebuildAbove === undefined ? DEFAULTS.incrementalRebuildAbove : parseShare(o.rebuildAbove),
    maxLayers: o?.maxLayers ?? DEFAULTS.incrementalMaxLayers,
    rebuildOn: o?.rebuildOn ?? DEFAULTS.incrementalRebuildOn,
  };
}

function resolveCompression(input: ScenarioInput['image']): ResolvedCompression {
  const c = input?.compression ?? 'gzip';
  if (c === 'none') return { kind: 'none' };
  if (c === 'gzip') return { kind: 'gzip', level: DEFAULTS.gzipLevel, engine: DEFAULTS.gzipEngine };
  return { kind: 'gzip', level: c.gzip.level ?? DEFAULTS.gzipLevel, engine: c.gzip.engine ?? DEFAULTS.gzipEngine };
}

function versionsFrom(first: string, count: number): string[] {
  const out = [first];
  while (out.length < count) out.push(nextVersion(out[out.length - 1] as string));
  return out;
}

/**
 * Applies presets and defaults. The input must have passed the schema and `findSemanticProblems`;
 * callers go through `loadResolvedScenario`, which checks both with file positions.
 */
export function resolveScenario(input: ScenarioInput, sourceFile: string): ResolvedScenario {
  const presetName = input.content?.preset ?? DEFAULTS.preset;
  const scale = input.content?.scale ?? DEFAULTS.scale;
  const source = input.content?.source === undefined ? undefined : resolveContentSource(input.content.source, sourceFile);
  const components: ResolvedComponent[] = mergeComponents(input)
    // A real source is the code tree; the preset's base image (OS + runtime) stays synthetic.
    .filter((c) => c.files > 0 && (source === undefined || c.base))
    .map((c) => ({ ...c, files: scaled(c.files, scale), bytes: Math.max(scaled(c.files, scale), Math.round(c.bytes * scale)) }));
  const versionCount = input.content?.versions ?? PRESETS[presetName]?.versions ?? 1;
  const fleet = input.fleet;
  const nodes = fleet?.hosts?.length ?? fleet?.nodes ?? DEFAULTS.nodes;
  const stages: RolloutStage[] = (fleet?.rollout?.stages ?? [{ rest: true }]).map((s) => ('canaries' in s ? { canaries: s.canaries } : { rest: true }));
  const registry = input.registry;
  const cadence = resolveCadence(input.cadence, input.deploy ?? ['initial'], resolveSteps(input.deploy ?? ['initial']));
  return {
    name: input.name,
    description: input.description ?? '',
    seed: String(input.seed ?? DEFAULTS.seed),
    sourceFile,
    content: {
      preset: presetName,
      scale,
      versions: source === undefined ? versionsFrom(input.content?.firstVersion ?? DEFAULT_FIRST_VERSION, versionCount) : [],
      components: source === undefined ? components : [...components, ...sourceComponents(source)],
      ...(source === undefined ? {} : { source }),
    },
    image: {
      strategies: (input.image?.strategies ?? DEFAULTS.strategies).map(resolveStrategy),
      compression: resolveCompression(input.image),
      repository: input.image?.repository ?? DEFAULTS.repository,
    },
    deploy: source?.kind === 'git' ? gitDeploySteps(source.refs) : cadence.deploy,
    ...(cadence.cadence === undefined ? {} : { cadence: cadence.cadence }),
    volume: {
      proxies: input.volume?.proxies ?? DEFAULTS.proxies,
      assign: input.volume?.assign ?? 'round-robin',
      batch: input.volume?.batch ?? DEFAULTS.volumeBatch,
      compress: input.volume?.compress ?? true,
      delayUpdates: input.volume?.delayUpdates ?? true,
      l10n: input.volume?.l10n ?? 'rebuild',
    },
    fleet: {
      nodes,
      backend: backendsOf(fleet)[0] ?? 'virtual',
      ...resolveFleetEngines(fleet, sourceFile),
      rollout: { maxConcurrent: fleet?.rollout?.maxConcurrent ?? nodes, stages },
      node: {
        nicBitsPerSecond: fleet?.node?.nic === undefined ? undefined : parseBitsPerSecond(fleet.node.nic),
        disk: resolveNodeDisk(fleet),
        maxConcurrentDownloads: fleet?.node?.maxConcurrentDownloads ?? DEFAULTS.maxConcurrentDownloads,
        unpack: fleet?.node?.unpack ?? true,
        imageGC: resolveImageGC(fleet?.node?.imageGC, fleet?.node?.disk),
        runtime: fleet?.node?.runtime ?? DEFAULT_CONTAINER_RUNTIME,
      },
    },
    registry:
      registry === undefined || 'embedded' in registry
        ? { kind: 'embedded', timeouts: resolveRegistryTimeouts(registry?.timeouts) }
        : { kind: 'external', ...splitRegistryUrl(registry.url, registry.auth), insecure: registry.insecure ?? false, timeouts: resolveRegistryTimeouts(registry.timeouts) },
    measure: {
      repeat: input.measure?.repeat ?? DEFAULTS.repeat,
      warmup: input.measure?.warmup ?? DEFAULTS.warmup,
      timeoutSeconds: input.measure?.timeout === undefined ? DEFAULTS.timeoutSeconds : parseSeconds(input.measure.timeout),
    },
    neighbours: resolveNeighbours(input.neighbours),
    hybrid: resolveHybrid(input.hybrid, (input.image?.strategies ?? DEFAULTS.strategies).map(resolveStrategy).map((s) => s.name)),
    budgets: resolveBudgets(input.budgets),
    model: resolveModel(input.model, { nodes, nicBitsPerSecond: fleet?.node?.nic === undefined ? undefined : parseBitsPerSecond(fleet.node.nic), diskWriteBytesPerSecond: fleet?.node?.disk?.write === undefined ? undefined : parseBytesPerSecond(fleet.node.disk.write), runtime: fleet?.node?.runtime }),
  };
}
