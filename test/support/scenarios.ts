import { resolveScenario } from '../../src/scenario/resolve.ts';
import type { ResolvedScenario } from '../../src/scenario/resolved.ts';
import type { ScenarioInput } from '../../src/scenario/schema.ts';

/** A small MediaWiki-shaped scenario for unit tests; `overrides` replace top-level keys. */
export function smallScenario(overrides: Partial<ScenarioInput> = {}): ResolvedScenario {
  return resolveScenario(
    {
      name: 'test',
      seed: 7,
      content: { preset: 'mediawiki-multiversion', scale: 0.004, versions: 2 },
      image: { strategies: ['monolithic', 'per-component', 'per-version', { chunked: { maxLayer: '4MiB' } }, 'incremental'] },
      deploy: ['initial', { backport: { files: 2, removes: 1 } }, { config: { files: 2 } }, 'train', 'l10n'],
      ...overrides,
    },
    'test.yaml',
  );
}
