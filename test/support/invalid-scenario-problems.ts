/**
 * What `shipbench validate` must report for each fixture in fixtures/scenarios/invalid/, all in one pass:
 * every problem, in file order, as `line:col keyPath`, and a few message and hint details.
 */
export const EXPECTED: Record<string, { problems: string[]; messages?: Record<number, RegExp>; hints?: Record<number, RegExp> }> = {
  'wrong-types.yaml': {
    problems: ['3:7 seed', '5:13 content.versions', '6:10 content.scale', '8:10 fleet.nodes', '10:13 fleet.node.unpack', '11:9 volume'],
    messages: {
      0: /got a list of 2 items/,
      1: /^expected a whole number of versions, got string "eight"$/,
      2: /got string "0\.5"/,
      3: /whole number, got number 1\.5/,
      5: /^expected a mapping, got a list/,
    },
    hints: { 2: /without quotes/ },
  },
  'bad-volume-l10n.yaml': {
    problems: ['4:9 volume.l10n'],
    messages: { 0: /^expected rebuild \(scap: ship the upstream JSON, rebuild each CDB on the node\) or ship/ },
  },
  'bad-source.yaml': {
    problems: ['6:13 content.source.git.repo', '8:9 deploy'],
    messages: { 0: /no-such-repo does not exist$/, 1: /^with a git source, each ref is a deploy step/ },
    hints: { 0: /relative to the scenario file/ },
  },
  'unknown-key.yaml': {
    problems: ['3:1 contnt'],
    messages: { 0: /^unknown key "contnt"$/ },
    hints: { 0: /^did you mean "content"\?$/ },
  },
  'unknown-nested-key.yaml': {
    problems: ['8:7 fleet.node.disk.wirte', '9:3 fleet.colour'],
    messages: { 0: /^unknown key "wirte"$/, 1: /^unknown key "colour"$/ },
    // Nothing is close to "colour": list what is allowed there instead.
    hints: { 0: /^did you mean "write"\?$/, 1: /^keys allowed here: nodes, backend, isolation, registryEgress, hosts, rollout, node$/ },
  },
  'impossible-sizes.yaml': {
    problems: ['4:10 content.scale', '6:38 content.components.0.size', '8:17 image.base.size'],
    messages: { 0: /above 0, got number 0/, 1: /"-3GiB"/, 2: /non-negative/ },
    hints: { 1: /150MiB/ },
  },
  'negative-counts.yaml': {
    problems: ['4:13 content.versions', '6:10 fleet.nodes', '8:12 volume.proxies', '9:10 volume.batch', '11:11 measure.warmup'],
    messages: { 1: /got number -3/, 3: /^needs at least one target, got number 0$/, 4: /cannot be negative, got number -1/ },
  },
  'bad-budgets.yaml': {
    problems: ['4:37 budgets.0.max', '5:45 budgets.1.growth'],
    messages: { 0: /^compressed-size is in bytes: "5 minutes" is not a size$/, 1: /better high, so a growth budget does not apply/ },
    hints: { 0: /1\.5GiB/, 1: /min: 95%/ },
  },
  'bad-units.yaml': {
    problems: ['5:27 content.components.0.size', '7:17 image.base.size', '9:30 image.strategies.0.chunked.maxLayer', '12:10 fleet.node.nic'],
    messages: { 0: /"1Gbit" is in bits/, 1: /"2GiB\/s" is not a size/, 2: /^"5 parsecs" is not a size$/, 3: /^"fast" is not a rate$/ },
    hints: { 0: /1GB/, 2: /150MiB/, 3: /1Gbit\/s/ },
  },
  'bad-strategy.yaml': {
    problems: ['5:7 image.strategies.0', '6:18 image.strategies.1.chunked.maxLayer'],
    messages: { 0: /^expected a layer strategy: .*got string "monolitic"$/, 1: /^missing required key "maxLayer"$/ },
    hints: { 0: /^did you mean "monolithic"\?$/, 1: /a size/ },
  },
  'bad-step.yaml': {
    problems: ['5:5 deploy.1', '6:26 deploy.2.backport.files', '7:5 deploy.3'],
    messages: { 0: /got string "backprot"/, 1: /at least one file, got number 0/, 2: /got a mapping with key "rollback"/ },
    hints: { 0: /did you mean "backport"/, 2: /initial, backport, config, train, l10n/ },
  },
  'bad-cadence.yaml': {
    problems: ['6:33 deploy.2.at', '7:5 deploy.3', '8:19 cadence.every'],
    messages: { 0: /merged at mon 10:00, before the merge listed above it \(tue 14:30\)/, 1: /needs a merge time/, 2: /0 seconds builds nothing/ },
    hints: { 0: /order they were merged/, 1: /at: tue 14:30/, 2: /12h or 24h/ },
  },
  'bad-cadence-values.yaml': {
    problems: ['3:10 cadence', '6:35 deploy.1.at'],
    messages: { 0: /^"weekly" is not a build cadence$/, 1: /"tuesday 9am" is not a time in the deploy week/ },
    hints: { 0: /per-merge .* every: 12h/, 1: /tue 14:30/ },
  },
  'bad-neighbours.yaml': {
    problems: ['5:13 neighbours.baseline', '7:21 neighbours.workloads.0.http.rate', '8:14 neighbours.workloads.1.fio.rateIop', '9:7 neighbours.workloads.2', '10:14 neighbours.minEffect', '11:14 neighbours.isolation'],
    messages: { 0: /"3 seconds" is not a duration/, 1: /rate must be above 0/, 2: /^unknown key "rateIop"$/, 3: /expected a neighbour/, 4: /share "150%" must lie between 0% and 100%/, 5: /expected cpuset .* or shared/ },
    hints: { 2: /did you mean "rateIops"/, 3: /http, fio/, 4: /25%/ },
  },
  'reserved-strategy-name.yaml': {
    problems: ['6:34 image.strategies.1.name', '7:32 image.strategies.2.name'],
    messages: { 0: /^"volume" is reserved for the rsync side.*another name/, 1: /^"hybrid" is reserved for the hybrid side.*another name/ },
  },
  'bad-hybrid.yaml': {
    problems: ['8:13 hybrid.strategy', '9:12 hybrid.through'],
    messages: { 0: /^no layer strategy is named "incremental"$/, 1: /^no deploy step is named "backport-9"$/ },
    hints: { 0: /"monolithic", "per-component"/, 1: /"initial", "backport-1"/ },
  },
  'yaml-syntax.yaml': { problems: ['5:1 '], messages: { 0: /^YAML syntax: .*\]/ } },
  'duplicate-key.yaml': { problems: ['5:3 fleet.nodes'], messages: { 0: /^duplicate key "nodes"$/ }, hints: { 0: /only once/ } },
  'empty.yaml': { problems: ['1:1 '], messages: { 0: /empty/ }, hints: { 0: /name: / } },
  'top-level-list.yaml': { problems: ['2:1 '], messages: { 0: /top level is a list/ } },
  'many-problems.yaml': {
    problems: [
      '2:7 name',
      '3:1 contnt',
      '7:30 image.strategies.0.chunked.maxLayer',
      '8:16 image.compression',
      '10:10 fleet.nodes',
      '12:10 fleet.node.nic',
      '15:5 deploy.1',
    ],
    hints: { 1: /did you mean "content"/, 3: /did you mean "gzip"/, 6: /did you mean "train"/ },
  },
  'image-gc-thresholds.yaml': {
    problems: ['7:22 fleet.node.imageGC.high'],
    messages: { 0: /must lie between 0% and 100%/ },
  },
  'image-gc-low-above-high.yaml': {
    problems: ['7:7 fleet.node.imageGC', '8:12 fleet.node.imageGC.low'],
    messages: { 0: /fleet\.node\.disk\.size is not set/, 1: /low \(90%\) lies above high \(80%\)/ },
    hints: { 0: /keepLast/, 1: /high: 85%, low: 80%/ },
  },
  'rollout-after-rest.yaml': {
    problems: ['7:20 fleet.rollout.maxConcurrent', '11:9 fleet.rollout.stages.2', '13:11 measure.repeat'],
    messages: { 1: /^stage 3 comes after \{ rest: true \} \(stage 2\), .*: it deploys nobody$/ },
    hints: { 1: /put \{ rest: true \} last/ },
  },
  'rollout-too-many-canaries.yaml': {
    problems: ['7:31 fleet.rollout.stages.1', '9:12 volume.proxies'],
    messages: { 0: /^the stages name 4 canaries but the fleet has 3 nodes \(fleet\.nodes is 3\): stage 2 would deploy 1 of its 2$/ },
    hints: { 0: /at most 3/ },
  },
  'rollout-rest-deploys-nobody.yaml': {
    problems: ['4:3 image.compresion', '8:31 fleet.rollout.stages.1'],
    messages: { 1: /already deploy all 2 nodes, so \{ rest: true \} deploys nobody/ },
    hints: { 1: /remove \{ rest: true \}/ },
  },
  'budget-min-above-max.yaml': {
    problems: ['6:27 deploy.1.name', '9:30 fleet.rollout.stages.1', '11:32 budgets.0.min'],
    messages: { 0: /got string "\.\.\/etc"$/, 2: /^min 95% is above max 90%: no efficiency can hold to both$/ },
    hints: { 0: /directory name/, 2: /swap them/ },
  },
  'names-as-paths.yaml': {
    problems: [
      '3:7 name',
      '6:7 content.components.0',
      '9:34 image.strategies.0.name',
      '10:31 image.strategies.1.name',
      '13:24 deploy.1.name',
      '16:35 neighbours.workloads.0.name',
    ],
    messages: { 0: /at most 100 characters/, 1: /10 files but only 5 bytes/, 2: /at most 100 characters/, 3: /"\.hidden"$/, 4: /"train\\u0000x"$/, 5: /"-fast"$/ },
    hints: { 0: /it has 101\)$/, 2: /it has 120\)$/, 3: /directory name/ },
  },
  'content-too-big.yaml': {
    problems: ['5:13 content.versions', '7:7 content.components.0', '9:10 fleet.nodes'],
    messages: { 0: /2,757,582 files \(20 live versions\), more than the 2,000,000/, 1: /2\.50 GiB a file on average, but one generated file is at most 1\.00 GiB/ },
    hints: { 0: /lower content\.scale/, 1: /at least 5/ },
  },
};
