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
    forbid('core', ['scenario', 'content', 'image', 'registry', 'volume', 'nodes', 'metrics', 'stats', 'model', 'report', 'neighbours', 'cli'], 'core is the root: it imports nothing of ours'),
    forbid('scenario', ['content', 'image', 'registry', 'volume', 'nodes', 'metrics', 'stats', 'model', 'report', 'neighbours', 'cli'], 'scenario sits just above core'),
    forbid('content', ['image', 'registry', 'volume', 'nodes', 'metrics', 'stats', 'model', 'report', 'neighbours', 'cli'], 'content knows scenarios, not how they ship'),
    forbid('image', ['registry', 'volume', 'nodes', 'metrics', 'stats', 'model', 'report', 'neighbours', 'cli'], 'image renders content; it never ships it'),
    forbid('registry', ['volume', 'nodes', 'stats', 'model', 'report', 'neighbours', 'cli'], 'registry is one shipping side'),
    forbid('volume', ['registry', 'nodes', 'stats', 'model', 'report', 'neighbours', 'cli'], 'volume is the other shipping side'),
    forbid('nodes', ['stats', 'model', 'report', 'neighbours', 'cli'], 'nodes pull or sync; they do not report'),
    forbid('metrics', ['scenario', 'content', 'image', 'registry', 'volume', 'nodes', 'stats', 'model', 'report', 'neighbours', 'cli'], 'metrics is a leaf: only core'),
    forbid('stats', ['scenario', 'content', 'image', 'registry', 'volume', 'nodes', 'model', 'report', 'neighbours', 'cli'], 'stats is pure: core and metrics'),
    forbid('neighbours', ['content', 'image', 'registry', 'volume', 'nodes', 'stats', 'model', 'report', 'cli'], 'neighbours is a runner like nodes and volume: it starts workloads and emits operations, it does not analyse or report'),
    forbid('model', ['content', 'image', 'registry', 'volume', 'nodes', 'report', 'neighbours', 'cli'], 'the model uses scenario, metrics and stats (quantiles of node times) only'),
    forbid('report', ['content', 'image', 'registry', 'volume', 'nodes', 'model', 'neighbours', 'cli'], 'report renders results; never a runner or the model'),
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
