// zod for everything that ends up in a Lambda bundle: the functional build (`zod/mini`), with English messages.
// Import it as `import * as z from '<relative path>/zod.ts'`, never 'zod' itself: classic zod's method-chaining
// schemas cannot be tree-shaken, so one classic import anywhere puts all of it (~90 KiB minified) back into the
// bundle, and a function's cold start is mostly V8 compiling its bundle. zod/mini has no default locale: the
// config below gives its issues the same English messages classic zod gives (the API returns them in
// `error.message`), and because every runtime module imports zod through this file it runs before any parse.
import * as zm from 'zod/mini';
import en from 'zod/v4/locales/en.js';

zm.config(en());

export * from 'zod/mini';

// ---- Schemas are built on first use, not at import (issue #15) -----------------------------------------------
// A contract module declares every schema of its endpoint group at module level, and most of them are never
// used by a given container: response schemas are checked only in tests, and a request builds only its own
// route's. Building them all at import was about a quarter of what the tasks function's cold import cost beyond
// a bare handler (bench, instruction counts). So the factories below return a stand-in that builds the real
// schema the first time anything touches it (a parse, a property, `instanceof`, or being built into another
// schema that is itself used); `.check()` on a stand-in gives another stand-in. Types are zod's own: a stand-in
// is used exactly like the schema. A factory not listed at the end builds at once, which is correct, only
// slower: list it when a module starts calling it at import (tests/unit/zod-deferred.test.ts would notice).

const METHODS_RETURNING_SCHEMAS = new Set<PropertyKey>(['check', 'with']);

/** Each stand-in and how to get its real schema. */
const realSchemaOf = new WeakMap<object, () => object>();
const builtStandIns = new WeakSet<object>();

/**
 * A factory's argument with stand-ins replaced by their real schemas (building them): `z.object({ a: A })`,
 * `z.union([A, B])`, `z.extend(A, { b: B })`, `.check(c)`. The schema built then holds only real schemas, so a
 * parse goes through a stand-in once, at the top, and not at every field (a proxy there doubles a parse's time).
 */
function real(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const build = realSchemaOf.get(value);
  if (build) return build();
  if (Array.isArray(value)) return value.some(isStandIn) ? value.map(real) : value;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const entries = Object.entries(value);
  return entries.some(([, v]) => isStandIn(v)) ? Object.fromEntries(entries.map(([k, v]) => [k, real(v)])) : value;
}

const isStandIn = (value: unknown) => typeof value === 'object' && value !== null && realSchemaOf.has(value);

function deferred<T extends object>(build: () => T): T {
  let built: T | undefined;
  const target = () => {
    if (built === undefined) {
      built = build();
      builtStandIns.add(standIn);
    }
    return built;
  };
  const standIn = new Proxy(Object.create(null) as T, {
    get(_, key) {
      if (METHODS_RETURNING_SCHEMAS.has(key)) {
        return (...args: unknown[]) => deferred(() => (target() as Record<PropertyKey, (...a: unknown[]) => object>)[key as string](...args.map(real)));
      }
      const schema = target();
      return Reflect.get(schema, key, schema);
    },
    set: (_, key, value) => Reflect.set(target(), key, value),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor(_, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      // A proxy may not report a property as non-configurable unless its own (empty) target has it so.
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(target(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(target(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(target()),
  });
  realSchemaOf.set(standIn, target);
  return standIn;
}

/**
 * What a value is to the deferral: `pending` (a stand-in not built yet), `built`, or `eager` (a schema, or
 * anything else, that was never deferred). For the tests, which assert that importing a module builds nothing.
 */
export function deferralOf(value: unknown): 'pending' | 'built' | 'eager' {
  if (!isStandIn(value)) return 'eager';
  return builtStandIns.has(value as object) ? 'built' : 'pending';
}

/** Marked pure so that esbuild drops the factories a bundle never calls. */
const deferring = /* @__NO_SIDE_EFFECTS__ */ <F extends (...args: never[]) => object>(factory: F): F =>
  ((...args: unknown[]) => deferred(() => factory(...(args.map(real) as Parameters<F>)))) as unknown as F;

export const _default = deferring(zm._default);
export const array = deferring(zm.array);
export const boolean = deferring(zm.boolean);
export const email = deferring(zm.email);
export const _enum = deferring(zm.enum);
export { _enum as enum };
export const extend = deferring(zm.extend);
export const gte = deferring(zm.gte);
export const int = deferring(zm.int);
export const literal = deferring(zm.literal);
export const looseObject = deferring(zm.looseObject);
export const lte = deferring(zm.lte);
export const maxLength = deferring(zm.maxLength);
export const minLength = deferring(zm.minLength);
export const never = deferring(zm.never);
export const nonnegative = deferring(zm.nonnegative);
export const nullable = deferring(zm.nullable);
export const number = deferring(zm.number);
export const object = deferring(zm.object);
export const optional = deferring(zm.optional);
export const partial = deferring(zm.partial);
export const pick = deferring(zm.pick);
export const pipe = deferring(zm.pipe);
export const positive = deferring(zm.positive);
export const record = deferring(zm.record);
export const refine = deferring(zm.refine);
export const regex = deferring(zm.regex);
export const safeExtend = deferring(zm.safeExtend);
export const strictObject = deferring(zm.strictObject);
export const string = deferring(zm.string);
export const stringbool = deferring(zm.stringbool);
export const superRefine = deferring(zm.superRefine);
export const toLowerCase = deferring(zm.toLowerCase);
export const transform = deferring(zm.transform);
export const trim = deferring(zm.trim);
export const union = deferring(zm.union);
export const unknown = deferring(zm.unknown);
export const url = deferring(zm.url);
export const coerce: typeof zm.coerce = { ...zm.coerce, number: deferring(zm.coerce.number) };
export const iso: typeof zm.iso = { ...zm.iso, datetime: deferring(zm.iso.datetime) };
