// The one-way module picture of ../shared/design/ARCHITECTURE.md, enforced.
// Each rule names a layer and the layers it must never import.
const layer = (name) => `^src/${name}/`;
const forbid = (from, to, why) => ({
  name: `${from}-not-to-${to.join('-')}`,
  comment: why,
  severity: 'error',
  from: { path: layer(from) },
  to: { path: `^src/(${to.join('|')})/` },
});

module.exports = {
  forbidden: [
    forbid('core', ['scenario', 'content', 'image', 'registry', 'volume', 'nodes', 'metrics', 'stats', 'model', 'report', 'neighbours', 'harness', 'cli'], 'core is the root: it imports nothing of ours'),
    forbid('scenario', ['content', 'image', 'registry', 'volume', 'nodes', 'metrics', 'stats', 'model', 'report', 'neighbours', 'harness', 'cli'], 'scenario sits just above core'),
    forbid('content', ['image', 'registry', 'volume', 'nodes', 'metrics', 'stats', 'model', 'report', 'neighbours', 'harness', 'cli'], 'content knows scenarios, not how they ship'),
    forbid('image', ['registry', 'volume', 'nodes', 'metrics', 'stats', 'model', 'report', 'neighbours', 'harness', 'cli'], 'image renders content; it never ships it'),
    forbid('registry', ['volume', 'nodes', 'stats', 'model', 'report', 'neighbours', 'harness', 'cli'], 'registry is one shipping side'),
    forbid('volume', ['registry', 'nodes', 'stats', 'model', 'report', 'neighbours', 'harness', 'cli'], 'volume is the other shipping side'),
    forbid('nodes', ['stats', 'model', 'report', 'neighbours', 'harness', 'cli'], 'nodes pull or sync; they do not report'),
    forbid('metrics', ['scenario', 'content', 'image', 'registry', 'volume', 'nodes', 'stats', 'model', 'report', 'neighbours', 'harness', 'cli'], 'metrics is a leaf: only core'),
    forbid('stats', ['scenario', 'content', 'image', 'registry', 'volume', 'nodes', 'model', 'report', 'neighbours', 'harness', 'cli'], 'stats is pure: core and metrics'),
    forbid('neighbours', ['content', 'image', 'registry', 'volume', 'nodes', 'stats', 'model', 'report', 'harness', 'cli'], 'neighbours is a runner like nodes and volume: it starts workloads and emits operations, it does not analyse or report'),
    forbid('model', ['content', 'image', 'registry', 'volume', 'nodes', 'report', 'neighbours', 'harness', 'cli'], 'the model uses scenario, metrics and stats (quantiles of its per-node times) only'),
    forbid('report', ['content', 'image', 'registry', 'volume', 'nodes', 'model', 'neighbours', 'harness', 'cli'], 'report renders results; never a runner or the model'),
    forbid('harness', ['cli'], 'harness runs one benchmark (mechanisms, rollout skeleton, results recorder) for the CLI; it never parses or prints'),
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
