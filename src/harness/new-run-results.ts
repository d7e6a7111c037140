import { redactSecrets, redactUrl } from '../core/secret-redaction.ts';
import { RESULTS_SCHEMA_VERSION, type Environment, type RunResults } from '../report/results.ts';
import type { ResolvedScenario } from '../scenario/resolved.ts';
import { type ContentSourceLabel, scenarioContentLabel } from '../content/source/content-source-label.ts';

/** The results file `run` and `simulate` start from, before any phase: the same skeleton for measured and modelled runs. */
/** `content`: the label of a real content source as read (loadContentSource); synthetic content by default. */
export function newRunResults(source: RunResults['source'], scenario: ResolvedScenario, environment: Environment, content?: ContentSourceLabel): RunResults {
  const { digest, ...label } = content ?? scenarioContentLabel(scenario);
  const now = new Date().toISOString();
  return {
    schema: RESULTS_SCHEMA_VERSION,
    source,
    status: 'running',
    startedAt: now,
    updatedAt: now,
    // results.json is attached to tasks and PRs: the scenario goes in without its registry password.
    scenario: redactSecrets(scenario) as unknown as RunResults['scenario'],
    content: digest === undefined ? label : { ...label, digest },
    environment,
    registry: { kind: scenario.registry.kind, url: scenario.registry.kind === 'external' ? redactUrl(scenario.registry.url) : '' },
    phases: [],
    steps: [],
    samples: [],
    warnings: [],
    ...(scenario.cadence === undefined ? {} : { cadence: { everySeconds: scenario.cadence.everySeconds ?? null, merges: [...scenario.cadence.merges] } }),
  };
}
