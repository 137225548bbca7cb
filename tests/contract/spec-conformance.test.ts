// The contract (shared/contract) against the product spec, read through docs/spec-summary.json: the summary
// `npm run spec:summary` makes of ../shared/api-spec.md, committed because a clone has no spec. A frontend
// built only against the spec must find every route, have every value it may send accepted, and never
// receive a value it does not know, except the departures docs/spec-deviations.md names.
import { existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { SPEC_PATH, SUMMARY_PATH, renderSummary, summarizeSpec, type SpecEndpointEnum, type SpecSummary } from '../../bin/spec-summary.ts';
import { allRoutes } from '../../shared/contract/index.ts';
import type { RouteDef } from '../../shared/http/contract.ts';
import { AppError, type ErrorCode } from '../../shared/errors.ts';
import { Events } from '../../shared/realtime/events.ts';
import { keysOf, schemasAt, valuesOf } from '../support/zod-fields.ts';

/**
 * Spec routes whose domain is not built yet (partnership requests, billing and payments, meetings,
 * analytics and reports, admin statistics and system logs). Each domain's issue removes its routes when
 * they land: the test fails while a listed route is declared. The list must end empty.
 */
const NOT_YET_BUILT: string[] = [
];

const DEVIATIONS_PATH = new URL('../../docs/spec-deviations.md', import.meta.url);
const summary = JSON.parse(readFileSync(SUMMARY_PATH, 'utf8')) as SpecSummary;
const deviations = readFileSync(DEVIATIONS_PATH, 'utf8');

/** `GET /tasks/{}`: path parameters are compared by position, not by name. */
const shapeOf = (r: { method: string; path: string }) => `${r.method} ${r.path.replace(/\{\w+\}/g, '{}')}`;
const nameOf = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
const parseRoute = (text: string) => {
  const [method, path] = text.split(' ');
  return { method, path };
};

const contractRoutes = new Map<string, RouteDef>(allRoutes.map((r) => [shapeOf(r), r]));
const specRouteShapes = new Set(summary.routes.map(shapeOf));
const notYetBuilt = new Set(NOT_YET_BUILT.map((r) => shapeOf(parseRoute(r))));
const declared = (r: { method: string; path: string }) => contractRoutes.get(shapeOf(r));

// ---- Extensions: docs/spec-deviations.md lines that allow a response value the spec does not list ---------

interface Extension {
  route: string;
  field: string;
  of?: 'keys';
  values: string[];
  line: string;
}

/**
 * The marker convention (documented at the top of docs/spec-deviations.md), one line per route and field:
 *   - Extension: `GET /tasks` response `status` value `cancelled`: why ...
 * `values` takes several (`a`, `b`); `key`/`keys` instead of `value`/`values` extends the keys of a count
 * object (`tasksByStatus`).
 */
const EXTENSION_PREFIX = '- Extension:';
const extensionLine =
  /^- Extension: `(GET|POST|PUT|PATCH|DELETE) (\S+)` response `([\w.]+)` (value|values|key|keys) ((?:`[^`]+`(?:,\s*|\s+and\s+)?)+):\s+\S/;

const extensionLines = deviations.split('\n').filter((line) => line.startsWith(EXTENSION_PREFIX));
const extensions: Extension[] = extensionLines.flatMap((line) => {
  const m = extensionLine.exec(line);
  if (!m) return [];
  const [, method, path, field, kind, list] = m;
  return [
    {
      route: shapeOf({ method, path }),
      field,
      ...(kind.startsWith('key') ? { of: 'keys' as const } : {}),
      values: [...list.matchAll(/`([^`]+)`/g)].map((v) => v[1]),
      line,
    },
  ];
});

const extensionsFor = (route: string, field: string, of: 'keys' | undefined) =>
  extensions.filter((x) => x.route === route && x.field === field && x.of === of).flatMap((x) => x.values);

// ---- What the spec's enums require ------------------------------------------------------------------------

const describeEnum = (e: Pick<SpecEndpointEnum, 'method' | 'path' | 'in' | 'field' | 'of'>) =>
  `${e.method} ${e.path} ${e.in} \`${e.field}\`${e.of ? ' (keys)' : ''}`;

/** Spec values a request may send, on declared routes. */
const requestEnums = summary.enums
  .filter((e) => e.in !== 'response' && declared(e))
  .map((e) => ({ ...e, name: describeEnum(e) }));

/**
 * Where a response field is bound to the spec's values:
 * - the spec's response examples (`"role": "student|admin"`): the field must exist;
 * - a GET's query filter: the listed items' field of the same name takes the values the filter names;
 * - a create or update body (not a `/status` transition, whose body names only the moves): the resource
 *   answered carries the value sent.
 * The last two apply where the response has the field.
 */
interface ResponseBound {
  name: string;
  route: RouteDef;
  field: string;
  of?: 'keys';
  values: string[];
  source: string;
}

function responseBoundOf(e: SpecEndpointEnum, route: RouteDef): ResponseBound | null {
  const bound = { route, field: e.field, ...(e.of ? { of: e.of } : {}), values: e.values };
  const via = (source: string, required: boolean) => {
    if (!required && (!route.response || schemasAt(route.response, e.field, 'output').length === 0)) return null;
    return { ...bound, name: `${e.method} ${e.path} response \`${e.field}\`${e.of ? ' (keys)' : ''} (${source})`, source };
  };
  if (e.in === 'response') return via('the spec response example', true);
  if (e.in === 'query' && e.method === 'GET') return via(`the spec's \`${e.field}\` query filter`, false);
  if (e.in === 'body' && e.method !== 'GET' && e.method !== 'DELETE' && !e.path.endsWith('/status')) {
    return via('the spec request body', false);
  }
  return null;
}

const responseBounds: ResponseBound[] = summary.enums.flatMap((e) => {
  const route = declared(e);
  const bound = route && responseBoundOf(e, route);
  return bound ? [bound] : [];
});

/** What the response can hold at the bound's field beyond the spec's values, and anything else wrong. */
function checkResponseBound(bound: ResponseBound): { problems: string[]; extra: string[] } {
  const problems: string[] = [];
  const extra: string[] = [];
  const where = `${nameOf(bound.route)} response \`${bound.field}\``;
  const fields = bound.route.response ? schemasAt(bound.route.response, bound.field, 'output') : [];
  if (fields.length === 0) problems.push(`${where}: the contract's response has no such field (the spec lists ${bound.values.join('|')})`);
  for (const field of fields) {
    const found = bound.of === 'keys' ? keysOf(field, 'output') : valuesOf(field, 'output');
    if (!found.closed) {
      problems.push(`${where}: is a ${found.kind}, not an enum of the spec's values ${bound.values.join('|')}`);
      continue;
    }
    for (const value of found.values) if (!bound.values.includes(value) && !extra.includes(value)) extra.push(value);
    if (bound.of === 'keys' && 'declared' in found && found.declared) {
      const missing = bound.values.filter((v) => !found.values.includes(v));
      if (missing.length > 0) problems.push(`${where}: lacks the spec's key(s) ${missing.join(', ')}`);
    }
  }
  return { problems, extra };
}

// ---- The tests ----------------------------------------------------------------------------------------------

describe('the contract against the spec (docs/spec-summary.json)', () => {
  describe('routes', () => {
    const specRoutesToBuild = summary.routes.filter((r) => !notYetBuilt.has(shapeOf(r))).map(nameOf);
    const extraRoutes = allRoutes.filter((r) => !specRouteShapes.has(shapeOf(r))).map(nameOf);

    it.each(specRoutesToBuild)('declares %s', (route) => {
      expect(declared(parseRoute(route)), `${route} is in the spec but not in the contract (or not yet: list it in NOT_YET_BUILT)`).toBeDefined();
    });

    it.each(NOT_YET_BUILT)('%s is a spec route still to build', (route) => {
      expect(specRouteShapes.has(shapeOf(parseRoute(route))), `${route} is in NOT_YET_BUILT but is not a route of the spec`).toBe(true);
      expect(declared(parseRoute(route)), `${route} is declared in the contract now: remove it from NOT_YET_BUILT`).toBeUndefined();
    });

    it.each(extraRoutes)('names %s, a route the spec does not have, in docs/spec-deviations.md', (route) => {
      expect(deviations.includes(`\`${route}\``), `${route} is in the contract but not in the spec: explain it in docs/spec-deviations.md as \`${route}\``).toBe(true);
    });
  });

  describe('every value the spec lists for a request is accepted', () => {
    it.each(requestEnums.map((e) => [`${e.name}: ${e.values.join('|')}`, e] as const))('%s', (_, e) => {
      const route = declared(e)!;
      const schema = e.in === 'body' ? route.body : route.query;
      expect(schema, `${e.name}: the contract declares no ${e.in} for ${nameOf(route)}`).toBeDefined();
      const fields = schemasAt(schema!, e.field, 'input');
      expect(fields.length, `${e.name}: the contract's ${e.in} has no field \`${e.field}\``).toBeGreaterThan(0);

      const refused = e.values.filter((value) => !fields.some((field) => z.safeParse(field, value).success));

      expect(refused, `${e.name}: the contract refuses the spec's value(s) ${refused.join(', ')} (spec: ${e.values.join('|')})`).toEqual([]);
    });
  });

  describe("every enum a response holds is within the spec's values (or a named extension)", () => {
    it.each(responseBounds.map((b) => [b.name, b] as const))('%s', (_, bound) => {
      const { problems, extra } = checkResponseBound(bound);
      const allowed = extensionsFor(shapeOf(bound.route), bound.field, bound.of);
      const unexplained = extra.filter((v) => !allowed.includes(v));

      expect(problems).toEqual([]);
      expect(
        unexplained,
        `${nameOf(bound.route)} response \`${bound.field}\` can hold ${unexplained.join(', ')}, not among the spec's ${bound.values.join('|')} ` +
          `(from ${bound.source}); fix the contract or name it in docs/spec-deviations.md as an Extension line`,
      ).toEqual([]);
    });
  });

  describe('the Extension lines of docs/spec-deviations.md', () => {
    it('all follow the marker convention', () => {
      const malformed = extensionLines.filter((line) => !extensionLine.test(line));

      expect(malformed, 'Extension lines the test cannot read').toEqual([]);
    });

    it.each(extensions.map((x) => [`${x.route} \`${x.field}\` ${x.values.join(', ')}`, x] as const))('%s is still needed', (_, x) => {
      const bounds = responseBounds.filter((b) => shapeOf(b.route) === x.route && b.field === x.field && b.of === x.of);
      expect(bounds.length, `${x.line}\nnames no response field the spec enumerates on a declared route`).toBeGreaterThan(0);
      const produced = new Set(bounds.flatMap((b) => checkResponseBound(b).extra));
      const stale = x.values.filter((v) => !produced.has(v));

      expect(stale, `${x.line}\nextends values the response cannot hold or the spec already lists`).toEqual([]);
    });
  });

  describe('WebSocket events and error codes', () => {
    const specEvents = [...new Set(summary.otherEnums.filter((e) => e.field === 'event').flatMap((e) => e.values))];
    const definedEvents = new Set<string>(Object.values(Events).map((e) => e.type));

    it.each(specEvents)('defines the WebSocket event %s', (event) => {
      expect(definedEvents.has(event), `${event} is a spec event missing from shared/realtime/events.ts`).toBe(true);
    });

    it.each(summary.errorCodes.map((e) => [e.code, e.status] as const))('answers %s with HTTP %i', (code, status) => {
      expect(new AppError(code as ErrorCode, 'test').status).toBe(status);
    });
  });

  it.skipIf(!existsSync(SPEC_PATH))('docs/spec-summary.json is what `npm run spec:summary` makes of ../shared/api-spec.md now', () => {
    const fresh = summarizeSpec(readFileSync(SPEC_PATH, 'utf8'));

    expect(summary, 'the spec changed: run npm run spec:summary and commit docs/spec-summary.json').toEqual(fresh);
    expect(readFileSync(SUMMARY_PATH, 'utf8')).toBe(renderSummary(fresh));
  });
});
