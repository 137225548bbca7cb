// Schemas are built on first use (shared/zod.ts, issue #15): a stand-in behaves exactly as the schema zod would
// have built at import, and importing a contract module builds none of its schemas.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zm from 'zod/mini';
import * as z from '../../shared/zod.ts';

/** The same declaration twice: through the deferring factories, and through zod/mini directly (built at once). */
function declare(zod: typeof z | typeof zm) {
  const Level = zod.enum(['high_school', 'graduate', 'phd']);
  const Money = zod.number().check(zod.positive('must be greater than 0'), zod.refine((n) => Number.isInteger(n * 100), 'at most two decimal places'));
  const Base = zod.object({
    limit: zod._default(zod.coerce.number().check(zod.int(), zod.gte(1), zod.lte(100)), 20),
    cursor: zod.optional(zod.string().check(zod.maxLength(20))),
  });
  return zod.extend(Base, {
    title: zod.string().check(zod.trim(), zod.minLength(1), zod.maxLength(10)),
    level: Level,
    budget: zod.optional(Money),
    due: zod.optional(zod.iso.datetime({ offset: true })),
    tags: zod._default(zod.array(zod.string().check(zod.toLowerCase())), []),
    kind: zod.union([zod.literal('a'), zod.literal('b')]),
    note: zod.nullable(zod.pipe(zod.string(), zod.transform((s: string) => s.length))),
    extra: zod.optional(zod.strictObject({ on: zod.stringbool() })),
  });
}

const inputs: unknown[] = [
  { title: '  Essay  ', level: 'phd', kind: 'a', note: 'abc' },
  { title: 'Essay', level: 'phd', kind: 'b', note: null, limit: '7', budget: 12.5, due: '2030-01-01T10:00:00+02:00', tags: ['A', 'b'], extra: { on: 'true' } },
  { title: '', level: 'masters', kind: 'c', note: 3, limit: '0', budget: -1, due: 'tomorrow', extra: { on: 'yes', other: 1 } },
  { title: 'x'.repeat(11), level: 'phd', kind: 'a', note: 'x', budget: 1.005, cursor: 'y'.repeat(21) },
  'not an object',
  null,
];

describe('a deferred schema', () => {
  it('is not built when declared, and is built (with its parts) on its first parse', () => {
    const Part = z.string();
    const Whole = z.object({ part: Part });
    expect([z.deferralOf(Part), z.deferralOf(Whole)]).toEqual(['pending', 'pending']);
    expect(Whole.parse({ part: 'x' })).toEqual({ part: 'x' });
    expect([z.deferralOf(Part), z.deferralOf(Whole)]).toEqual(['built', 'built']);
  });

  it('holds real schemas inside, so a parse passes through a stand-in only at the top', () => {
    const Whole = z.object({ part: z.string(), list: z.array(z.number()), either: z.union([z.string(), z.number()]) });
    Whole.parse({ part: 'x', list: [1], either: 2 });
    const shape = Whole._zod.def.shape;
    expect(Object.values(shape).map((s) => z.deferralOf(s))).toEqual(['eager', 'eager', 'eager']);
    expect(z.deferralOf(Whole)).toBe('built');
  });

  it.each(inputs.map((input, i) => [i, input]))('parses input %i exactly as the schema built at once', (_, input) => {
    const deferredResult = declare(z).safeParse(input);
    const eagerResult = declare(zm).safeParse(input);
    expect(deferredResult.success).toBe(eagerResult.success);
    if (eagerResult.success) expect(deferredResult.data).toEqual(eagerResult.data);
    else {
      const seen = (issues: readonly z.core.$ZodIssue[]) => issues.map(({ code, path, message }) => ({ code, path, message }));
      expect(seen(deferredResult.error!.issues)).toEqual(seen(eagerResult.error!.issues));
    }
  });

  it('gives the same JSON Schema (the OpenAPI document is generated from these)', () => {
    for (const io of ['input', 'output'] as const) {
      expect(z.toJSONSchema(declare(z), { io, unrepresentable: 'any' })).toEqual(zm.toJSONSchema(declare(zm), { io, unrepresentable: 'any' }));
    }
  });

  it('answers instanceof, its shape and its options like the schema', () => {
    const Level = z.enum(['a', 'b']);
    const Thing = z.object({ level: Level, name: z.string() });
    expect(Thing instanceof zm.ZodMiniObject).toBe(true);
    expect(Level instanceof zm.ZodMiniEnum).toBe(true);
    expect(Object.keys(Thing.shape)).toEqual(['level', 'name']);
    expect(Level.options).toEqual(['a', 'b']);
    expect(z.partial(Thing).parse({})).toEqual({});
    expect(z.pick(Thing, { name: true }).parse({ name: 'n', level: 'zzz' })).toEqual({ name: 'n' });
  });

  it('keeps .check() deferred and adds the checks when built', () => {
    const Short = z.string().check(z.maxLength(3));
    const Shorter = Short.check(z.maxLength(2));
    expect(z.deferralOf(Shorter)).toBe('pending');
    expect(Shorter.safeParse('abc').success).toBe(false);
    expect(Short.safeParse('abc').success).toBe(true);
  });
});

describe('importing a contract module', () => {
  it('builds none of its schemas (they are built by the first request that needs them)', async () => {
    const contractDir = fileURLToPath(new URL('../../shared/contract/', import.meta.url));
    const files = [...readdirSync(contractDir).filter((f) => f.endsWith('.ts')).map((f) => join(contractDir, f)), fileURLToPath(new URL('../../shared/realtime/events.ts', import.meta.url))];
    const modules: Record<string, unknown>[] = await Promise.all(files.map((f) => import(f)));
    const schemas = modules.flatMap((m) =>
      Object.entries(m).flatMap(([name, value]) => {
        if (z.deferralOf(value) !== 'eager') return [[name, z.deferralOf(value)]];
        // Route tables: each route's schemas.
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          return Object.values(value).flatMap((route) =>
            typeof route === 'object' && route !== null
              ? Object.entries(route).filter(([, v]) => z.deferralOf(v) !== 'eager').map(([k, v]) => [`${name}.${k}`, z.deferralOf(v)])
              : [],
          );
        }
        return [];
      }),
    );
    expect(schemas.length).toBeGreaterThan(200);
    expect(schemas.filter(([, state]) => state !== 'pending')).toEqual([]);
  });
});
