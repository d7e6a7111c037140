import { z } from 'zod';
import { scenarioInputSchema } from './schema.ts';

/**
 * The scenario schema as JSON Schema (draft 2020-12), generated from the zod schema so the two cannot drift.
 * Editors use it for completion and checks: `# yaml-language-server: $schema=scenario.schema.json` at the top
 * of a scenario file. It describes what users write (`io: 'input'`): unit fields accept numbers or text.
 */

export const SCENARIO_SCHEMA_ID = 'urn:shipbench:scenario';

export function scenarioJsonSchema(): Record<string, unknown> {
  // Inlined (no $defs or $ref), so draft-07-era tools such as older yaml-language-server read it too.
  const generated = z.toJSONSchema(scenarioInputSchema, { io: 'input', target: 'draft-2020-12', reused: 'inline' }) as Record<string, unknown>;
  const { $schema: _generatedDialect, ...body } = generated;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SCENARIO_SCHEMA_ID,
    title: 'shipbench scenario',
    ...body,
  };
}
