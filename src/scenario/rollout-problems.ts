import type { ScenarioInput } from './schema.ts';
import type { SemanticProblem } from './semantic-problem.ts';

/**
 * Rollout arithmetic the schema cannot see: stages run in order, canaries first, `{ rest: true }` takes every
 * node not yet deployed (rollout-waves.ts). A stage that can deploy nobody is a mistake in the file, not a
 * rollout: say which stage, and why.
 */
export function rolloutProblems(fleet: ScenarioInput['fleet'], nodes: number): SemanticProblem[] {
  const stages = fleet?.rollout?.stages;
  if (stages === undefined) return [];
  const fleetKey = fleet?.hosts === undefined ? `fleet.nodes is ${nodes}` : `fleet.hosts lists ${nodes}`;
  const problems: SemanticProblem[] = [];
  const at = (i: number) => ['fleet', 'rollout', 'stages', i];
  const restAt = stages.findIndex((s) => 'rest' in s);
  let deployed = 0;
  let exceeded = false;
  stages.forEach((stage, i) => {
    if (restAt !== -1 && i > restAt) {
      problems.push({
        path: at(i),
        message: `stage ${i + 1} comes after { rest: true } (stage ${restAt + 1}), which already deploys every remaining node: it deploys nobody`,
        hint: 'put { rest: true } last, or remove the stages after it',
      });
      return;
    }
    if (exceeded) return; // one mistake, said once
    if ('canaries' in stage) {
      if (deployed + stage.canaries > nodes) {
        const total = stages.reduce((n, s) => n + ('canaries' in s ? s.canaries : 0), 0);
        problems.push({
          path: at(i),
          message: `the stages name ${total} canaries but the fleet has ${nodes} nodes (${fleetKey}): stage ${i + 1} would deploy ${Math.max(0, nodes - deployed)} of its ${stage.canaries}`,
          hint: `lower the canaries to at most ${nodes} in all, or raise fleet.nodes`,
        });
        exceeded = true;
        return;
      }
      deployed += stage.canaries;
    } else if (deployed >= nodes) {
      problems.push({
        path: at(i),
        message: `the canaries before it already deploy all ${nodes} nodes, so { rest: true } deploys nobody`,
        hint: 'remove { rest: true }, or lower the canaries so some nodes are left for it',
      });
    }
  });
  return problems;
}
