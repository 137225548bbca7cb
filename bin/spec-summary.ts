// `npm run spec:summary [path/to/api-spec.md]`: writes docs/spec-summary.json, a machine-readable summary of
// the product spec (default `../shared/api-spec.md`, which a clone of this repository does not have):
// every `### METHOD /path` route, and every enum the spec lists. tests/contract/spec-conformance.test.ts
// checks the contract against the committed summary, and regenerates it to compare when the spec is present.
//
// The spec writes enums in these ways, and each one is read here:
// - pipe-separated strings in JSON examples, request or response: `"status": "active|inactive|suspended"`
//   (dotted field path; a response's `success`/`data` envelope is not part of the path);
// - the same in the plain code block of a multipart body: `category: "task_attachment|deliverable|..."`;
// - query-parameter bullets under **Query Parameters**: `- \`status\`: "pending|paid|overdue|cancelled"`;
// - prose query strings in the live-chat section: `Query: \`type=task|general|support\`` under `- **GET /chats**`;
// - counts keyed by an enum in response examples (`"tasksByStatus": { "pending": 15, ... }`): the keys;
// - prose value lists: `**Status Values**: Only \`pending\`, \`approved\`, \`rejected\` are valid.`;
// - bulleted event names under a heading or label ending in "Events": `- \`chat.message\` - ...`;
// - the error codes with their HTTP status under "Common Error Codes": `- \`NOT_FOUND\` (404)`.
// A single example value (`"status": "in_progress"`) is an example, not an enum, and is not recorded.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type SpecMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SpecRoute {
  method: SpecMethod;
  /** As the spec writes it, with `{param}` names. */
  path: string;
  params: string[];
  /** The `##` section of the (first) heading. */
  section: string;
  /** Who may call, as the spec notes it: the heading's "(Admin only)", else the purpose's, else the section's. */
  access: string | null;
  accessFrom: 'heading' | 'purpose' | 'section' | null;
  /** One per heading: a route the spec lists twice (GET /meetings) keeps both. */
  purposes: string[];
  contentType: string | null;
  occurrences: number;
}

export interface SpecEndpointEnum {
  method: SpecMethod;
  path: string;
  in: 'body' | 'query' | 'response';
  /** Dotted path from the body, the query string, or the response's `data`. */
  field: string;
  /** `keys`: the values are the keys of an object at `field` (counts by status), not the field's value. */
  of?: 'keys';
  /** In the spec's order; occurrences of the same field are merged (first-seen order). */
  values: string[];
}

/** An enum the spec lists outside an endpoint: a data model's values, WebSocket event names. */
export interface SpecOtherEnum {
  /** The headings (and label) it sits under, joined with " › ". */
  context: string;
  field: string;
  values: string[];
}

export interface SpecErrorCode {
  code: string;
  status: number;
}

/** An endpoint named outside a `### METHOD /path` heading (bullets, prose, the Django section's `/api/...`). */
export interface SpecMention {
  method: SpecMethod;
  path: string;
  query: string | null;
  sections: string[];
}

export interface SpecSummary {
  $comment: string;
  routes: SpecRoute[];
  enums: SpecEndpointEnum[];
  otherEnums: SpecOtherEnum[];
  errorCodes: SpecErrorCode[];
  mentions: SpecMention[];
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where the product spec lives beside a checkout (not in the repository). */
export const SPEC_PATH = resolve(repoRoot, '../shared/api-spec.md');
export const SUMMARY_PATH = resolve(repoRoot, 'docs/spec-summary.json');

const METHODS = 'GET|POST|PUT|PATCH|DELETE';
const routeHeading = new RegExp(`^(${METHODS})\\s+(\\/\\S*)\\s*(?:\\((.+)\\))?\\s*$`);
const boldEndpointBullet = new RegExp(`^-\\s+\\*\\*(${METHODS})\\s+(\\/[^*\\s]*)\\*\\*\\s*$`);
const mentionPatterns = [
  new RegExp(`\\*\\*(${METHODS})\\s+(\\/[^*\\s]*)\\*\\*`, 'g'),
  new RegExp(`\`(${METHODS})\\s+(\\/[^\`\\s]*)\``, 'g'),
  new RegExp(`\\b(${METHODS})(?:\\s+to)?\\s+\`(\\/[^\`\\s]*)\``, 'g'),
];
/** One enum value: a word, possibly dotted or dashed (`in_progress`, `chat.message`). */
const enumValue = /^[\w.-]+$/;

/** `a|b|c` as values, or null when the text is not a pipe-separated list of words. */
function pipeValues(text: string): string[] | null {
  if (!text.includes('|')) return null;
  const values = text.split('|').map((v) => v.trim());
  return values.every((v) => enumValue.test(v)) ? values : null;
}

interface JsonEnum {
  field: string;
  of?: 'keys';
  values: string[];
}

/**
 * The enums of one JSON example. The spec's examples are not strict JSON (`// comments`, `[...]`), so this
 * reads them line by line with a stack of the enclosing keys (array elements add no key).
 */
function enumsInJsonExample(lines: string[]): JsonEnum[] {
  interface Frame {
    key: string | null;
    isObject: boolean;
    numbers: string[];
    others: number;
  }
  const found: JsonEnum[] = [];
  const stack: Frame[] = [];
  let enveloped = false;
  const pathTo = (key: string) => {
    const keys = [...stack.map((f) => f.key).filter((k): k is string => k !== null), key];
    return (enveloped && keys[0] === 'data' ? keys.slice(1) : keys).join('.');
  };
  for (const raw of lines) {
    // `// comment` after a value; a URL's `//` follows `:`, not white space.
    const line = raw.replace(/\s+\/\/(\s.*)?$/, '').trim();
    const top = stack[stack.length - 1];
    const member = /^"([^"]+)"\s*:\s*(.*?)\s*,?$/.exec(line);
    if (member) {
      const [, key, value] = member;
      if (stack.length === 1 && key === 'success') enveloped = true;
      if (value === '{' || value === '[') {
        stack.push({ key, isObject: value === '{', numbers: [], others: 0 });
        continue;
      }
      if (/^-?\d/.test(value)) top?.numbers.push(key);
      else if (top) top.others++;
      const quoted = /^"(.*)"$/.exec(value);
      const values = quoted && pipeValues(quoted[1]);
      if (values) found.push({ field: pathTo(key), values });
      continue;
    }
    if (line === '{' || line === '[') {
      stack.push({ key: null, isObject: line === '{', numbers: [], others: 0 });
    } else if (/^[}\]]/.test(line)) {
      const closed = stack.pop();
      // Counts keyed by an enum: `"tasksByStatus": { "pending": 15, ... }`.
      if (closed?.key && closed.isObject && /By[A-Z]/.test(closed.key) && closed.numbers.length > 0 && closed.others === 0) {
        const key = closed.key;
        found.push({ field: pathTo(key), of: 'keys', values: closed.numbers });
      }
    } else if (line !== '' && top) {
      top.others++;
    }
  }
  return found;
}

/** Enums of a multipart body's plain code block: `category: "a|b"`. */
function enumsInFormExample(lines: string[]): JsonEnum[] {
  const found: JsonEnum[] = [];
  for (const raw of lines) {
    const m = /^\s*(\w+)\s*:\s*"([^"]*)"/.exec(raw);
    const values = m && pipeValues(m[2]);
    if (m && values) found.push({ field: m[1], values });
  }
  return found;
}

/** `/api/chats/<chat_id>/messages/?x=y` (the Django section's style) as `/chats/{chat_id}/messages` and its query. */
function normalizeMentionPath(raw: string): { path: string; query: string | null } {
  const [pathPart, query] = raw.split('?', 2);
  let path = pathPart.replace(/^\/api(?=\/)/, '').replace(/<(\w+)>/g, '{$1}');
  if (path.length > 1) path = path.replace(/\/+$/, '');
  return { path, query: query ?? null };
}

const mergeValues = (into: string[], values: string[]) => {
  for (const v of values) if (!into.includes(v)) into.push(v);
};

const methodOrder = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const compareRoutes = (a: { method: string; path: string }, b: { method: string; path: string }) =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : methodOrder.indexOf(a.method) - methodOrder.indexOf(b.method);
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The summary of a spec's markdown: deterministic (sorted routes, enums and mentions) for a given input. */
export function summarizeSpec(markdown: string): SpecSummary {
  const routes = new Map<string, SpecRoute & { headingNote: string | null; purposeNote: string | null; sectionNote: string | null }>();
  const enums = new Map<string, SpecEndpointEnum>();
  const otherEnums = new Map<string, SpecOtherEnum>();
  const errorCodes = new Map<string, number>();
  const mentions = new Map<string, SpecMention>();

  const headings: string[] = []; // index = heading level - 2
  let sectionNote: string | null = null;
  /** The endpoint the text belongs to: a `###` route, or a `- **GET /chats**` bullet. */
  let endpoint: { method: SpecMethod; path: string; route: boolean } | null = null;
  /** The latest `**Label**:` (e.g. Query Parameters, Response) or bold bullet label. */
  let label: string | null = null;
  let fence: { lang: string; lines: string[] } | null = null;

  const section = () => headings[0] ?? '';
  const context = () => [...headings.filter(Boolean), ...(label ? [label] : [])].join(' › ');
  const addEnum = (e: SpecEndpointEnum) => {
    const key = [e.method, e.path, e.in, e.field, e.of ?? ''].join(' ');
    const existing = enums.get(key);
    if (existing) mergeValues(existing.values, e.values);
    else enums.set(key, { ...e, values: [...e.values] });
  };
  const addOtherEnum = (field: string, values: string[]) => {
    const ctx = context();
    const key = `${ctx}\u0000${field}`;
    const existing = otherEnums.get(key);
    if (existing) mergeValues(existing.values, values);
    else otherEnums.set(key, { context: ctx, field, values: [...values] });
  };
  const addMention = (method: SpecMethod, rawPath: string) => {
    const { path, query } = normalizeMentionPath(rawPath);
    const key = `${method} ${path}?${query ?? ''}`;
    const m = mentions.get(key) ?? { method, path, query, sections: [] };
    if (!m.sections.includes(section())) m.sections.push(section());
    mentions.set(key, m);
  };

  for (const line of markdown.split(/\r?\n/)) {
    const trimmed = line.trim();

    if (trimmed.startsWith('```')) {
      if (!fence) {
        fence = { lang: trimmed.slice(3).trim(), lines: [] };
        continue;
      }
      if (endpoint) {
        const where = label && /response/i.test(label) ? 'response' : 'body';
        const found = fence.lang === 'json' ? enumsInJsonExample(fence.lines) : enumsInFormExample(fence.lines);
        for (const f of found) addEnum({ method: endpoint.method, path: endpoint.path, in: where, field: f.field, ...(f.of ? { of: f.of } : {}), values: f.values });
      }
      fence = null;
      continue;
    }
    if (fence) {
      fence.lines.push(line);
      continue;
    }

    const heading = /^(#{2,6})\s+(.*?)\s*$/.exec(trimmed);
    if (heading) {
      const level = heading[1].length;
      const text = heading[2];
      label = null;
      endpoint = null;
      const route = level === 3 ? routeHeading.exec(text) : null;
      if (route) {
        const [, method, path, note] = route as unknown as [string, SpecMethod, string, string | undefined];
        const key = `${method} ${path}`;
        const existing = routes.get(key);
        if (existing) existing.occurrences++;
        else {
          routes.set(key, {
            method,
            path,
            params: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
            section: section(),
            access: null,
            accessFrom: null,
            purposes: [],
            contentType: null,
            occurrences: 1,
            headingNote: note?.trim() ?? null,
            purposeNote: null,
            sectionNote,
          });
        }
        headings.length = Math.min(headings.length, 1);
        endpoint = { method, path, route: true };
        continue;
      }
      headings.length = level - 1;
      headings[level - 2] = text;
      for (let i = 0; i < level - 2; i++) headings[i] ??= '';
      if (level === 2) {
        const note = /^(.*?)\s*\(([^)]*)\)$/.exec(text);
        headings[0] = note ? note[1] : text;
        sectionNote = note ? note[2] : null;
      }
      continue;
    }

    // `**Purpose**: ...`, `**Query Parameters**:`, `**Response**:`, `**Content-Type**: ...`
    const labelled = /^\*\*([^*]+?):?\*\*:?\s*(.*)$/.exec(trimmed);
    if (labelled) {
      const [, name, rest] = labelled;
      const route = endpoint?.route ? routes.get(`${endpoint.method} ${endpoint.path}`) : undefined;
      if (route && name === 'Purpose') {
        route.purposes.push(rest);
        route.purposeNote ??= /\(([^)]*\bonly)\)/i.exec(rest)?.[1] ?? null;
      } else if (route && name === 'Content-Type') {
        route.contentType ??= rest;
      }
      label = name;
      const values = /^(\w+) Values$/.exec(name);
      if (values) addOtherEnum(values[1].toLowerCase(), [...rest.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    }
    // A numbered list item carrying a label: `7. **Status Values**: Only `pending`, ...`
    const numbered = /^\d+\.\s+\*\*(\w+) Values\*\*:\s*(.*)$/.exec(trimmed);
    if (numbered) {
      label = null;
      addOtherEnum(numbered[1].toLowerCase(), [...numbered[2].matchAll(/`([^`]+)`/g)].map((m) => m[1]));
    }

    const bullet = /^-\s+(.*)$/.exec(trimmed);
    const topLevelBullet = bullet && !/^\s/.test(line);
    if (bullet) {
      const boldEndpoint = boldEndpointBullet.exec(trimmed);
      if (boldEndpoint) {
        endpoint = { method: boldEndpoint[1] as SpecMethod, path: boldEndpoint[2], route: false };
        label = null;
      } else if (topLevelBullet && /^\*\*[^*]+\*\*\s*$/.test(bullet[1])) {
        // `- **WebSocket Events**`: a bold bullet that is not an endpoint ends the bullet endpoint.
        endpoint = endpoint?.route ? endpoint : null;
        label = bullet[1].replace(/\*\*/g, '');
      }

      const queryParam = /^`(\w+)`\s*:\s*"([^"]*)"/.exec(bullet[1]);
      const queryValues = queryParam && pipeValues(queryParam[2]);
      if (endpoint && label === 'Query Parameters' && queryParam && queryValues) {
        addEnum({ method: endpoint.method, path: endpoint.path, in: 'query', field: queryParam[1], values: queryValues });
      }
      const proseQuery = /^Query:\s*`(\w+)=([^`]+)`/.exec(bullet[1]);
      const proseValues = proseQuery && pipeValues(proseQuery[2]);
      if (endpoint && proseQuery && proseValues) {
        addEnum({ method: endpoint.method, path: endpoint.path, in: 'query', field: proseQuery[1], values: proseValues });
      }
      const eventName = /^`([a-z_]+\.[a-z_]+)`/.exec(bullet[1]);
      const underEvents = /Events$/.test(label ?? headings[headings.length - 1] ?? '');
      if (eventName && underEvents) addOtherEnum('event', [eventName[1]]);
      const errorCode = /^`([A-Z][A-Z_]+)`\s*\((\d{3})\)/.exec(bullet[1]);
      if (errorCode && /Error Codes$/.test(headings[headings.length - 1] ?? '')) errorCodes.set(errorCode[1], Number(errorCode[2]));
    }

    for (const pattern of mentionPatterns) {
      for (const m of trimmed.matchAll(pattern)) addMention(m[1] as SpecMethod, m[2]);
    }
  }

  const routeList = [...routes.values()]
    .map(({ headingNote, purposeNote, sectionNote: note, ...r }) => {
      const [access, accessFrom] = headingNote
        ? [headingNote, 'heading' as const]
        : purposeNote
          ? [purposeNote, 'purpose' as const]
          : note
            ? [note, 'section' as const]
            : [null, null];
      return { ...r, access, accessFrom };
    })
    .sort(compareRoutes);
  const enumList = [...enums.values()].sort(
    (a, b) => compareRoutes(a, b) || compareText(a.in, b.in) || compareText(a.field, b.field) || compareText(a.of ?? '', b.of ?? ''),
  );
  const otherList = [...otherEnums.values()].sort((a, b) => compareText(a.context, b.context) || compareText(a.field, b.field));
  const codeList = [...errorCodes].map(([code, status]) => ({ code, status })).sort((a, b) => compareText(a.code, b.code));
  const mentionList = [...mentions.values()].sort((a, b) => compareRoutes(a, b) || compareText(a.query ?? '', b.query ?? ''));

  return {
    $comment: 'Generated from ../shared/api-spec.md by `npm run spec:summary`; do not edit. Read by tests/contract/spec-conformance.test.ts.',
    routes: routeList,
    enums: enumList,
    otherEnums: otherList,
    errorCodes: codeList,
    mentions: mentionList,
  };
}

/** The summary as written to docs/spec-summary.json. */
export const renderSummary = (summary: SpecSummary) => JSON.stringify(summary, null, 2) + '\n';

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const specPath = process.argv[2] ? resolve(process.argv[2]) : SPEC_PATH;
  const summary = summarizeSpec(readFileSync(specPath, 'utf8'));
  writeFileSync(SUMMARY_PATH, renderSummary(summary));
  console.log(
    `docs/spec-summary.json from ${specPath}: ${summary.routes.length} routes, ${summary.enums.length} endpoint enums, ` +
      `${summary.otherEnums.length} other enums, ${summary.errorCodes.length} error codes, ${summary.mentions.length} mentions`,
  );
}
