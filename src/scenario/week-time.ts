import { z } from 'zod';
import { UnitError } from '../core/units.ts';

/** The simulated deploy week: merges happen inside it, Monday 00:00 to Sunday 24:00. */
export const WEEK_SECONDS = 7 * 24 * 3600;

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const WEEK_TIME_RE = /^(mon|tue|wed|thu|fri|sat|sun)\s+([01]?\d|2[0-3]):([0-5]\d)$/;
const WEEK_TIME_HINT = 'write a time in the deploy week as a weekday (mon..sun) and a 24-hour clock time, e.g. tue 14:30';

/** `tue 14:30` -> seconds since Monday 00:00 of the simulated week. */
export function parseWeekTime(input: string): number {
  const m = WEEK_TIME_RE.exec(input.trim());
  if (m === null) throw new UnitError(`"${input}" is not a time in the deploy week`, WEEK_TIME_HINT);
  const day = DAYS.indexOf(m[1] as (typeof DAYS)[number]);
  return day * 86_400 + Number(m[2]) * 3600 + Number(m[3]) * 60;
}

/** Seconds since Monday 00:00 back to `wed 09:05` (for tables and messages). */
export function formatWeekTime(seconds: number): string {
  const day = DAYS[Math.min(6, Math.floor(seconds / 86_400))] as string;
  const inDay = Math.round(seconds % 86_400);
  const hh = String(Math.floor(inDay / 3600)).padStart(2, '0');
  const mm = String(Math.floor((inDay % 3600) / 60)).padStart(2, '0');
  return `${day} ${hh}:${mm}`;
}

/** A merge time in the scenario file, checked with the parser resolve uses. */
export const weekTimeField = () =>
  z
    .string({ error: `expected a time in the deploy week, e.g. tue 14:30` })
    .superRefine((value, ctx) => {
      try {
        parseWeekTime(value);
      } catch (error) {
        if (!(error instanceof UnitError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message, params: { hint: error.hint } });
      }
    })
    // The pattern is for editors (JSON Schema); the parser above says what is wrong.
    .meta({ description: 'when the change was merged, in the simulated deploy week, e.g. tue 14:30', examples: ['tue 14:30'], pattern: WEEK_TIME_RE.source });
