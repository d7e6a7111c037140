import { formatBytes } from '../core/units.ts';
import type { InspectedLayer } from '../image/deploy-cost.ts';
import type { InspectedLayout } from '../image/layout-inspection.ts';
import { textTable } from './text-table.ts';

const ratio = (l: InspectedLayer) => (l.bytes === 0 ? '-' : `${(l.uncompressedBytes / l.bytes).toFixed(2)}x`);
const shortDigest = (d: string) => d.replace(/^sha256:/, '').slice(0, 12);

/** The terminal view of `inspect`: per layout its layers and deploy costs, then the strategies side by side. */
export function renderInspection(layouts: readonly InspectedLayout[]): string {
  const out: string[] = [];
  for (const layout of layouts) {
    out.push(`${layout.name}  (${layout.dir})`);
    const firstSeen = new Map<string, { layer: InspectedLayer; step: string }>();
    for (const image of layout.images) for (const layer of image.layers) if (!firstSeen.has(layer.digest)) firstSeen.set(layer.digest, { layer, step: image.tag });
    out.push(
      textTable(
        ['layer', 'role', 'blob', 'tar', 'ratio', 'files', 'first in', 'holds'],
        [...firstSeen.values()].map(({ layer, step }) => [shortDigest(layer.digest), layer.role, formatBytes(layer.bytes), formatBytes(layer.uncompressedBytes), ratio(layer), layer.files, step, layer.holds]),
        [2, 3, 4, 5],
      ),
    );
    out.push('what each step costs a node that holds the previous step:');
    out.push(
      textTable(
        ['step', 'layers', 'image', 'new layers', 'download', 'disk writes', 'files written'],
        layout.costs.map((c) => [c.step, c.layers, formatBytes(c.imageBytes), c.newLayers, formatBytes(c.downloadBytes), formatBytes(c.diskWriteBytes), c.filesWritten]),
        [1, 2, 3, 4, 5, 6],
      ),
    );
    out.push('');
  }
  if (layouts.length > 1) out.push(renderMatrix(layouts));
  return `${out.join('\n')}\n`;
}

/** Steps x strategies: download per node (and layers fetched), the question planners bring. */
export function renderMatrix(layouts: readonly InspectedLayout[]): string {
  const steps = layouts[0]?.costs.map((c) => c.step) ?? [];
  const rows = steps.map((step) => [
    step,
    ...layouts.map((l) => {
      const c = l.costs.find((x) => x.step === step);
      return c === undefined ? '-' : `${formatBytes(c.downloadBytes)} (${c.newLayers})`;
    }),
  ]);
  const head = ['download per node (new layers)', ...layouts.map((l) => l.name)];
  return `${textTable(head, rows, layouts.map((_, i) => i + 1))}\n`;
}
