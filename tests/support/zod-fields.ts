// Reads zod 4 schemas by field path, for the spec-conformance test: the schema of `status` inside a body, or
// the values an enum field can take in a response. Works on `_zod.def`, so every wrapper (optional,
// nullable, default, prefault, catch, readonly, nonoptional, lazy, pipe) and container (object, array,
// union, intersection, record) is seen through the same way.
import type * as z from 'zod';

type Schema = z.core.$ZodType;
/** `input`: what a request may send (a pipe's input side); `output`: what a response holds. */
export type Side = 'input' | 'output';

interface Def {
  type: string;
  innerType?: Schema;
  getter?: () => Schema;
  in?: Schema;
  out?: Schema;
  element?: Schema;
  shape?: Record<string, Schema>;
  options?: Schema[];
  left?: Schema;
  right?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  entries?: Record<string, string | number>;
  values?: unknown[];
}

const defOf = (schema: Schema) => schema._zod.def as unknown as Def;

const wrappers = new Set(['optional', 'nullable', 'default', 'prefault', 'catch', 'readonly', 'nonoptional']);

/** The schema under every wrapper: what the value itself must be. */
export function unwrap(schema: Schema, side: Side): Schema {
  for (;;) {
    const def = defOf(schema);
    if (wrappers.has(def.type) && def.innerType) schema = def.innerType;
    else if (def.type === 'lazy' && def.getter) schema = def.getter();
    else if (def.type === 'pipe' && def.in && def.out) {
      // A transform's output has no schema; its input is the closest description.
      schema = side === 'input' || defOf(def.out).type === 'transform' ? def.in : def.out;
    } else return schema;
  }
}

/** The schemas found at `key` under `schema` (arrays are looked through; a union may give several). */
function child(schema: Schema, key: string, side: Side): Schema[] {
  const base = unwrap(schema, side);
  const def = defOf(base);
  switch (def.type) {
    case 'object':
      return def.shape && Object.hasOwn(def.shape, key) ? [def.shape[key]] : [];
    case 'array':
      return def.element ? child(def.element, key, side) : [];
    case 'union':
      return (def.options ?? []).flatMap((option) => child(option, key, side));
    case 'intersection':
      return [def.left, def.right].flatMap((part) => (part ? child(part, key, side) : []));
    case 'record':
      return def.valueType ? [def.valueType] : [];
    default:
      return [];
  }
}

/** Every schema at a dotted path such as `user.role` (empty: the schema has no such field). */
export function schemasAt(schema: Schema, path: string, side: Side): Schema[] {
  return path.split('.').reduce<Schema[]>((found, key) => found.flatMap((s) => child(s, key, side)), [schema]);
}

export type Values = { closed: true; values: string[] } | { closed: false; kind: string };

/** The values a field can hold: closed for enums, literals and unions of them; open (with its kind) otherwise. */
export function valuesOf(schema: Schema, side: Side): Values {
  const base = unwrap(schema, side);
  const def = defOf(base);
  if (def.type === 'enum') return { closed: true, values: Object.values(def.entries ?? {}).map(String) };
  if (def.type === 'literal') return { closed: true, values: (def.values ?? []).map(String) };
  if (def.type === 'union') {
    const values: string[] = [];
    for (const option of def.options ?? []) {
      const v = valuesOf(option, side);
      if (!v.closed) return v;
      for (const value of v.values) if (!values.includes(value)) values.push(value);
    }
    return { closed: true, values };
  }
  return { closed: false, kind: def.type };
}

/** The keys an object at a field can have: an object's declared keys, or a record's key enum. */
export function keysOf(schema: Schema, side: Side): Values & { declared?: boolean } {
  const base = unwrap(schema, side);
  const def = defOf(base);
  if (def.type === 'object') return { closed: true, values: Object.keys(def.shape ?? {}), declared: true };
  if (def.type === 'record' && def.keyType) return valuesOf(def.keyType, side);
  return { closed: false, kind: def.type };
}
