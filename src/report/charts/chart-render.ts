import { FONT, type Chart } from './chart.ts';

export interface RenderedChart {
  readonly chart: Chart;
  readonly svg: string;
  readonly png: Uint8Array;
}

/** vega, vega-lite and resvg load on first use: commands that draw no chart (validate, compare) start without them. */
async function renderers() {
  const [vega, vegaLite, resvg] = await Promise.all([import('vega'), import('vega-lite'), import('@resvg/resvg-js')]);
  return { parse: vega.parse, View: vega.View, compile: vegaLite.compile, Resvg: resvg.Resvg };
}

/**
 * vega-lite -> vega -> a headless View -> SVG (no browser, no canvas: vega measures text by estimate),
 * then resvg rasterises that SVG at 2x with the system fonts for a PNG to paste elsewhere.
 */
export async function renderChart(chart: Chart): Promise<RenderedChart> {
  const { parse, View, compile, Resvg } = await renderers();
  const view = new View(parse(compile(chart.spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: FONT }, fitTo: { mode: 'zoom', value: 2 }, background: 'white' }).render().asPng();
    return { chart, svg, png: new Uint8Array(png) };
  } finally {
    view.finalize();
  }
}
