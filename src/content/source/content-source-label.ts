import type { ResolvedScenario } from '../../scenario/resolved.ts';

/**
 * What content a result was measured on, named in inspect, results.json, reports and comparisons so two
 * results are never compared across different content unknowingly: the synthetic model with its preset,
 * scale and seed, or a real tree or git refs with a digest of every file's path, mode and bytes.
 */
export interface ContentSourceLabel {
  readonly kind: 'synthetic' | 'dir' | 'git' | 'image';
  /** synthetic: the preset; dir: the directory; git: the repository; image: the reference or path. */
  readonly location: string;
  /** synthetic: seed and scale; dir: files and bytes; git: each ref with its commit; image: its name, layers, files. */
  readonly detail: string;
  /** Real sources: sha256 over every file's path, mode and content key, so equal digests are equal trees. */
  readonly digest: string | undefined;
}

/** The label a scenario's content gets before (or without) reading it: a real source's digest is known once read. */
export function scenarioContentLabel(scenario: ResolvedScenario): ContentSourceLabel {
  const source = scenario.content.source;
  if (source === undefined) return { kind: 'synthetic', location: `preset ${scenario.content.preset}`, detail: `seed ${scenario.seed}, scale ${scenario.content.scale}`, digest: undefined };
  if (source.kind === 'dir') return { kind: 'dir', location: source.dir, detail: 'not read', digest: undefined };
  if (source.kind === 'image') return { kind: 'image', location: source.image, detail: 'not read', digest: undefined };
  return { kind: 'git', location: source.repo, detail: `${source.refs.join(', ')}; not read`, digest: undefined };
}

/** One line for text output: `git /src/repo (v1 @ 1a2b3c4d, v2 @ ...), sha256:...`. */
export function describeContentSource(label: ContentSourceLabel): string {
  const digest = label.digest === undefined ? '' : `, ${label.digest}`;
  return `${label.kind} ${label.location} (${label.detail})${digest}`;
}
