// Builds a plausible example value from a JSON Schema (as z.toJSONSchema emits it), so every operation and event
// of the published documents shows one without a hand-written copy of each shape: prefixed ids as the API mints
// them, ISO times, the first enum value. Hand-written values from the spec are laid over it (`overlay`), and the
// tests check the result against the route's own zod schema, so an example cannot drift from what the API answers.
// Documentation only: imported by shared/http/openapi.ts and shared/realtime/asyncapi.ts, never by a function.

export type JsonSchema = Record<string, any>;

/** A fixed, valid ULID (Crockford base32, 26 characters): examples stay the same from one run to the next. */
export const EXAMPLE_ULID = '01JHK3V7Q9ZP4M2X8W5T6R0BCD';
export const EXAMPLE_TIME = '2025-01-15T10:00:00.000Z';

const ID_PATTERN = /^\^([a-z]+)_\[0-9A-HJKMNP-TV-Z\]\{26\}\$$/;

/** An example id with the prefix the API uses (`task_01JHK...`). */
export const exampleId = (prefix: string) => `${prefix}_${EXAMPLE_ULID}`;

const byName: [RegExp, string][] = [
  [/email$/i, 'john@example.com'],
  [/^(user)?name$|Name$/, 'John Doe'],
  [/^title$/, 'Machine Learning Research Paper'],
  [/description$/i, 'Detailed description...'],
  [/^(message|content|text|notes?|reason|feedback)$/i, 'Thanks, the draft looks good.'],
  [/url$/i, 'https://storage.example.com/files/file_123.pdf'],
  [/^currency$/, 'usd'],
  [/^time$/, '14:00'],
  [/^date$/, '2025-02-01'],
  [/token$/i, 'eyJhbGciOiJIUzI1NiJ9...'],
  [/^(type|mimeType|contentType)$/, 'application/pdf'],
];

/** Values tried against a `pattern` the name-based value does not match (dates, months, slugs, codes). */
const PATTERN_CANDIDATES = ['2025-02-01', '2025-01', '14:00', 'research_paper', 'REF7KQ2M9XP', 'usd', 'en'];

/** `z.never()` fields (server-owned ones a client must not send) are `{ not: {} }`: no example has them. */
const isNever = (schema: unknown) => typeof schema === 'object' && schema !== null && 'not' in schema && Object.keys(schema).length === 1;

function stringExample(schema: JsonSchema, name: string | undefined): string {
  const id = typeof schema.pattern === 'string' ? ID_PATTERN.exec(schema.pattern) : null;
  if (id) return exampleId(id[1]);
  switch (schema.format) {
    case 'date-time':
      return EXAMPLE_TIME;
    case 'date':
      return '2025-02-01';
    case 'email':
      return 'john@example.com';
    case 'uri':
    case 'url':
      return 'https://storage.example.com/files/file_123.pdf';
  }
  const named = name ? byName.find(([re]) => re.test(name))?.[1] : undefined;
  if (typeof schema.pattern === 'string') {
    const re = new RegExp(schema.pattern);
    const fitting = [named, ...PATTERN_CANDIDATES].find((c) => c !== undefined && re.test(c));
    if (fitting) return fitting;
  }
  let value = named ?? 'example';
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) value = value.slice(0, schema.maxLength);
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) value = value.padEnd(schema.minLength, 'x');
  return value;
}

function numberExample(schema: JsonSchema, name: string | undefined): number {
  const preferred = name && /budget|amount|total|revenue/i.test(name) ? 200 : name === 'limit' ? 20 : name === 'pages' ? 10 : 1;
  const min = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + 1 : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  if (min !== undefined && preferred < min) return min;
  if (max !== undefined && preferred > max) return max;
  return preferred;
}

/** An example of `schema`; `name` is the property it sits under (it picks a fitting string or number). */
export function exampleOf(schema: JsonSchema | boolean | undefined, name?: string): unknown {
  if (!schema || schema === true) return {};
  if (schema.examples?.length) return schema.examples[0];
  if ('const' in schema) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const branches = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(branches)) {
    const branch = branches.find((b: JsonSchema) => b.type !== 'null') ?? branches[0];
    return exampleOf(branch, name);
  }
  if (Array.isArray(schema.allOf)) return Object.assign({}, ...schema.allOf.map((s: JsonSchema) => exampleOf(s, name)));
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries<JsonSchema>(schema.properties ?? {})) if (!isNever(sub)) out[key] = exampleOf(sub, key);
      return out;
    }
    case 'array': {
      const item = exampleOf(schema.items, name);
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () => item).slice(0, schema.maxItems ?? 1);
    }
    case 'string':
      return stringExample(schema, name);
    case 'integer':
    case 'number':
      return numberExample(schema, name);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return schema.properties ? exampleOf({ ...schema, type: 'object' }, name) : {};
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `over` laid on `base`: objects merge key by key (a key set to `undefined` is removed), anything else replaces.
 * An array in `over` replaces the base array, except that objects in it are laid over the base's first item,
 * so a spec example need only name the fields it shows.
 */
export function overlay(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) {
      if (value === undefined) delete out[key];
      else out[key] = overlay(base[key], value);
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) return over.map((item) => overlay(base[0], item));
  return over;
}
