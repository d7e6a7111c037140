import { z } from 'zod';
import { parseBitsPerSecond, parseBytes, parseBytesPerSecond, parseShare, parseSeconds, UnitError } from '../core/units.ts';

/**
 * Unit-bearing scenario fields: human text checked with the same parsers `resolve` uses, so a file that
 * validates always resolves. In their own file so section schemas (schema.ts, neighbours-schema.ts) share them.
 */

function unitField(parse: (v: string | number) => number, expected: string, example: string) {
  return z
    .union([z.number(), z.string()], { error: `expected ${expected}, e.g. ${example}` })
    .superRefine((value, ctx) => {
      try {
        parse(value);
      } catch (error) {
        if (!(error instanceof UnitError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message, params: { hint: error.hint } });
      }
    })
    .meta({ description: `${expected}, e.g. ${example}`, examples: [example] });
}

export const sizeField = () => unitField(parseBytes, 'a size', '150MiB');
export const bitRateField = () => unitField(parseBitsPerSecond, 'a rate', '1Gbit/s');
export const byteRateField = () => unitField(parseBytesPerSecond, 'a byte rate', '200MiB/s');
export const durationField = () => unitField(parseSeconds, 'a duration', '30s');
export const shareField = () => unitField(parseShare, 'a share', '25%');
