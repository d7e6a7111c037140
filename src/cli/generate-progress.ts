import { formatBytes, formatSeconds } from '../core/units.ts';
import type { GenerateEvent } from '../image/image-set-writer.ts';
import { progressBar } from './progress-bar.ts';

/**
 * Renders generate events on stderr: a self-rewriting line on a terminal, a line per quarter otherwise
 * (CI logs stay short).
 */
export function generateProgressPrinter(stream: NodeJS.WriteStream = process.stderr, options: { quiet?: boolean } = {}): (event: GenerateEvent) => void {
  const tty = stream.isTTY === true;
  let lastQuarter = 0;
  return (event) => {
    // Warnings are printed even when quiet, as node failures are.
    if (event.type === 'warning') {
      stream.write(`${tty ? '\n' : ''}warning: ${event.warning.message}\n  fix: ${event.warning.fix}\n`);
      return;
    }
    if (options.quiet === true) return;
    switch (event.type) {
      case 'planned': {
        const reused = event.cached === 0 ? '' : `, ${event.cached} reused from the cache`;
        stream.write(`${event.layers} distinct layers${reused}; writing about ${formatBytes(event.plannedBytes)} (${event.compressor})\n`);
        break;
      }
      case 'layer-built': {
        const line = `layer ${event.done}/${event.total}: ${formatBytes(event.layer.uncompressedBytes)} -> ${formatBytes(event.layer.bytes)} in ${formatSeconds(event.seconds)} (${event.layer.role})`;
        if (tty) stream.write(`\r\x1b[Kgenerate ${progressBar(event.done, event.total)} ${line}${event.done === event.total ? '\n' : ''}`);
        else {
          const quarter = Math.floor((event.done / event.total) * 4);
          if (quarter > lastQuarter || event.done === event.total) {
            lastQuarter = quarter;
            stream.write(`${line}\n`);
          }
        }
        break;
      }
      case 'layout-written':
        stream.write(`${event.dir}: ${event.images} images\n`);
        break;
      case 'tree-written':
        stream.write(`${event.dir}: ${event.files} files, ${formatBytes(event.bytes)}\n`);
        break;
    }
  };
}
