/**
 * Files often given where a scenario is wanted, recognised by their top-level keys: the error then says what
 * the file is and what reads it, where the schema alone would list every one of its keys as unknown.
 */
export interface OtherDocument {
  /** The top-level key that tells it apart (the error points at it). */
  readonly key: string;
  readonly message: string;
  readonly hint: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the document is when it is one of the files shipbench itself writes or keeps beside its scenarios; undefined otherwise. */
export function otherDocument(data: unknown): OtherDocument | undefined {
  if (!isRecord(data)) return undefined;
  // A run's or a simulation's results.json (src/report/results.ts: RESULTS_SCHEMA_VERSION).
  if (typeof data.schema === 'string' && data.schema.startsWith('shipbench/results/')) {
    const scenario = isRecord(data.scenario) && typeof data.scenario.sourceFile === 'string' ? data.scenario.sourceFile : undefined;
    return {
      key: 'schema',
      message: `this is the results file of a ${data.source === 'simulated' ? 'simulation' : 'run'} (${data.schema}), not a scenario`,
      hint: `give the scenario it ran${scenario === undefined ? '' : ` (${scenario})`}; a results file is read by \`shipbench report\`, \`shipbench compare\`, \`shipbench check\` and \`shipbench simulate SCENARIO --calibrate RESULTS\``,
    };
  }
  // A case of the fleet model's validation against published figures (scenarios/validation/, bench/validation-cases.ts).
  if (isRecord(data.source) && typeof data.source.url === 'string' && 'taken' in data && 'assumed' in data) {
    const name = typeof data.name === 'string' ? ` ${data.name}` : '';
    return {
      key: 'source',
      message: 'this is a validation case of the fleet model (a published figure and the model input that reproduces it), not a scenario',
      hint: `\`npx tsx bench/validation.ts${name}\` simulates it beside its published figures; scenario files are the other files under scenarios/ (\`shipbench schema\` lists their keys)`,
    };
  }
  return undefined;
}
