// Wall-clock date + time in an IANA zone → the UTC instant it names. A local time that a daylight-saving change
// skips (02:30 on a spring-forward night) names no instant, one it repeats (01:30 on a fall-back night) names
// two: both are refused rather than guessed.
import { validationError } from '#shared/errors.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock of `instant` in `timeZone`, as milliseconds of the same fields read as UTC. */
function wallClockMs(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

const offsetAt = (instant: number, timeZone: string) => wallClockMs(instant, timeZone) - instant;

export type WallTimeResult = { ok: true; instant: Date } | { ok: false; reason: 'skipped' | 'repeated' };

/** `date` (YYYY-MM-DD) at `time` (HH:MM) in `timeZone`. */
export function resolveWallTime(date: string, time: string, timeZone: string): WallTimeResult {
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi] = time.split(':').map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi);
  // The zone's offsets a day either side cover any change near this wall time.
  const candidates = [...new Set([offsetAt(wall - 86_400_000, timeZone), offsetAt(wall + 86_400_000, timeZone), offsetAt(wall, timeZone)].map((o) => wall - o))];
  const matching = candidates.filter((instant) => wallClockMs(instant, timeZone) === wall);
  if (matching.length === 0) return { ok: false, reason: 'skipped' };
  if (matching.length > 1) return { ok: false, reason: 'repeated' };
  return { ok: true, instant: new Date(matching[0]) };
}

/**
 * The meeting's start and end instants, or a VALIDATION_ERROR naming the field: a skipped or repeated local time
 * (`time`), or a start that is not in the future (`date`).
 */
export function meetingInstants(input: { date: string; time: string; timezone: string; duration: number }, now: Date): { startAt: string; endAt: string } {
  const resolved = resolveWallTime(input.date, input.time, input.timezone);
  if (!resolved.ok) {
    throw validationError(
      'time',
      resolved.reason === 'skipped'
        ? `${input.date} ${input.time} does not exist in ${input.timezone} (the clocks skip it for daylight saving); choose another time`
        : `${input.date} ${input.time} happens twice in ${input.timezone} (the clocks repeat it for daylight saving); choose another time`,
    );
  }
  const start = resolved.instant;
  if (start.getTime() <= now.getTime()) {
    throw validationError('date', `the meeting would start at ${start.toISOString()}, which is in the past`);
  }
  return { startAt: start.toISOString(), endAt: new Date(start.getTime() + input.duration * 60_000).toISOString() };
}
