import type { TopLevelSpec } from 'vega-lite';

/** One chart of a report: a vega-lite spec with its data inline, so the spec file alone redraws it. */
export interface Chart {
  /** File stem: charts/<name>.svg, .png, .vl.json. */
  readonly name: string;
  readonly title: string;
  /** What the reader should look at. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

export const FONT = 'DejaVu Sans';

/** Shared look: one font (resvg and the browser both have DejaVu), no chart border. */
export const CHART_CONFIG = {
  font: FONT,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  header: { labelFontSize: 12, titleFontSize: 12 },
} as const;

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export const MIB = 1024 * 1024;
