// The published API reference: docs/openapi.json (HTTP) and docs/asyncapi.json (WebSocket) are what
// `npm run openapi` makes from the contract today, pass Redocly's recommended rules, and document every route
// completely: words, spec section, examples the API's own schemas accept, and every error its shape can give.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import { PROJECT_ROOT } from '../../infra/stack.ts';
import { allRoutes } from '../../shared/contract/index.ts';
import { buildDocuments } from '../../shared/contract/docs/documents.ts';
import { apiReference, routeDocs, SECTIONS } from '../../shared/contract/docs/index.ts';
import { buildOpenApi, errorStatusesOf, requestExampleOf, type ErrorStatus } from '../../shared/http/openapi.ts';
import { routeKey, type RouteDef } from '../../shared/http/contract.ts';
import { checkEvent, Events } from '../../shared/realtime/events.ts';
import { ClientActions } from '../../shared/realtime/actions.ts';
import { actionDocs, eventDocs } from '../../shared/realtime/asyncapi.ts';
import { NotificationView, AnnouncementView } from '../../shared/contract/notifications.ts';
import { MessageView } from '../../shared/contract/chats.ts';

const run = promisify(execFile);
const committed = (file: string) => JSON.parse(readFileSync(join(PROJECT_ROOT, 'docs', file), 'utf8'));
const { openapi, asyncapi } = buildDocuments();
type Operation = {
  description?: string;
  tags?: string[];
  parameters: { name: string; in: string; description?: string }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { example?: any; schema?: any }> }>;
};
const operationOf = (route: RouteDef) => (openapi.paths as Record<string, Record<string, Operation>>)[route.path][route.method.toLowerCase()];

/** Routes of the contract the reference does not document, with what is missing. */
function undocumented(routes: RouteDef[], docs: Record<string, unknown>): string[] {
  return routes.filter((r) => !docs[routeKey(r)]).map(routeKey);
}

describe('the committed documents', () => {
  it('are what `npm run openapi` makes from the contract now (run it after changing a route or its documentation)', () => {
    expect(committed('openapi.json')).toEqual(JSON.parse(JSON.stringify(openapi)));
    expect(committed('asyncapi.json')).toEqual(JSON.parse(JSON.stringify(asyncapi)));
  });

  describe('pass Redocly CLI (recommended rules, redocly.yaml) with no error', () => {
    const lint = async (file: string) => {
      const bin = join(PROJECT_ROOT, 'node_modules/.bin/redocly');
      const { stdout } = await run(bin, ['lint', `docs/${file}`, '--format=json'], { cwd: PROJECT_ROOT, maxBuffer: 64 * 1024 * 1024 }).catch((e) => e);
      return JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; severity: string }[] };
    };

    it.each(['openapi.json', 'asyncapi.json'])('%s', async (file) => {
      const report = await lint(file);
      expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(report.totals.warnings).toBe(0);
    }, 60_000);
  });
});

describe('the OpenAPI document', () => {
  it('has the spec sections as tags, in the spec order, each described', () => {
    expect(openapi.tags!.map((t) => t.name)).toEqual([
      'Authentication',
      'User Management',
      'Task Management',
      'Deliverables',
      'Messaging/Chat',
      'Partnership/Admin Requests',
      'Billing & Payment',
      'Meeting Management',
      'File Upload & Management',
      'Notifications',
      'Analytics & Reports',
      'System/Admin',
      'Reference',
    ]);
    for (const tag of openapi.tags!) expect(tag.description.length).toBeGreaterThan(20);
  });

  it('introduces the envelope, authentication, rate limits, ids, idempotency and errors, and links the AsyncAPI document', () => {
    for (const topic of ['## Envelope', '## Authentication', '## Rate limits', '## Ids', '## Idempotency', '## Errors', './asyncapi.json']) {
      expect(openapi.info.description).toContain(topic);
    }
  });

  it('documents every route of the contract, and nothing else', () => {
    expect(undocumented(allRoutes, routeDocs)).toEqual([]);
    const keys = new Set(allRoutes.map(routeKey));
    expect(Object.keys(routeDocs).filter((k) => !keys.has(k))).toEqual([]);
  });

  it('builds, without documentation, for a route nobody documented yet (only this test fails)', () => {
    const stranger = { ...allRoutes[0], method: 'GET', path: '/not-yet-documented', fn: 'reference' } as unknown as RouteDef;
    const doc = buildOpenApi([stranger], 'http://localhost:3001/api/v1', apiReference);
    expect(doc.paths['/not-yet-documented'].get).toMatchObject({ operationId: 'getNotYetDocumented', tags: ['Reference'] });
    expect(undocumented([stranger], routeDocs)).toEqual(['GET /not-yet-documented']);
  });

  describe.each(allRoutes.map((r) => [routeKey(r), r] as const))('%s', (_key, route) => {
    const op = operationOf(route);
    const doc = routeDocs[routeKey(route)];

    it('has a description, one spec-section tag, and security unless public', () => {
      expect(op.description?.length).toBeGreaterThan(40);
      expect(op.tags).toHaveLength(1);
      expect(SECTIONS.map((s) => s.name)).toContain(op.tags![0]);
      expect((op as { security?: unknown[] }).security).toEqual(route.access === 'public' ? [] : [{ bearer: [] }]);
    });

    it('describes every parameter', () => {
      expect(op.parameters.filter((p) => !p.description).map((p) => `${p.in} ${p.name}`)).toEqual([]);
    });

    it("shows request and response examples the route's own schemas accept", () => {
      if (route.body) {
        const example = requestExampleOf(route, doc);
        const parsed = route.body.safeParse(example);
        expect(parsed.error?.issues, JSON.stringify(example)).toBeUndefined();
        const media = route.multipart ? (op.requestBody!.content['application/json'] ?? op.requestBody!.content['multipart/form-data']) : op.requestBody!.content['application/json'];
        if (!route.multipart || op.requestBody!.content['application/json']) expect(media.example).toEqual(example);
      }
      const [status, success] = Object.entries(op.responses).find(([s]) => /^[23]/.test(s))!;
      if (/^3/.test(status)) {
        expect(success.headers).toHaveProperty('Location');
        return;
      }
      const [type, media] = Object.entries(success.content!)[0];
      expect(media.example).toBeDefined();
      if (type !== 'application/json' || !route.response || !media.example?.success) return;
      const data = media.example.data;
      const declaresArray = (z.toJSONSchema(route.response, { io: 'output', unrepresentable: 'any' }) as { type?: string }).type === 'array';
      const schema = Array.isArray(data) && !declaresArray ? z.array(route.response) : route.response;
      const parsed = schema.safeParse(data);
      expect(parsed.error?.issues, JSON.stringify(data)).toBeUndefined();
    });

    it('lists every error its shape can give, each in the envelope with its code', () => {
      const statuses = Object.keys(op.responses).filter((s) => /^[45]/.test(s)).map(Number);
      const ids = /\{\w+\}/.test(route.path);
      const expected: ErrorStatus[] = [500, 503];
      if (ids || route.query || route.body || route.multipart) expected.push(400);
      if (route.access !== 'public') expected.push(401);
      if (route.access === 'admin' || route.access === 'student') expected.push(403);
      if (ids) expected.push(404);
      if (route.idempotent) expected.push(409);
      if (route.multipart) expected.push(413);
      if (route.rateLimit !== 'none') expected.push(429);
      expect(statuses).toEqual(expect.arrayContaining(expected));
      const shared = openapi.components.responses as Record<string, { headers: Record<string, unknown>; content: Record<string, { schema: { $ref: string }; example: any }> }>;
      for (const status of statuses) {
        const response = op.responses[status] as unknown as { $ref: string };
        expect(response.$ref).toMatch(/^#\/components\/responses\/\w+Error$/);
        const { headers, content } = shared[response.$ref.split('/').pop()!];
        const media = content['application/json'];
        expect(media.schema.$ref).toMatch(/^#\/components\/schemas\/\w+Error$/);
        const code = (openapi.components.schemas as Record<string, any>)[media.schema.$ref.split('/').pop()!].properties.error.properties.code.const;
        expect(media.example.error.code).toBe(code);
        if (status === 429 || status === 503) expect(headers).toHaveProperty('Retry-After');
      }
      expect(statuses).toEqual([...errorStatusesOf(route, doc).keys()]);
    });
  });
});

describe('the AsyncAPI document', () => {
  const messages = asyncapi.components.messages as Record<string, { name: string; examples: { payload: any }[] }>;
  /** Component key of a frame: `chat.typing` -> `chatTyping` (server event) or `chatTypingAction` (client action). */
  const keyOf = (name: string) => name.replace(/[._](\w)/g, (_, c: string) => c.toUpperCase());

  it('links the OpenAPI document and says how to connect (token in the query) and why connections close', () => {
    for (const topic of ['./openapi.json', '?token=', '401', '403', '1001', '1009', 'connection.closing']) expect(asyncapi.info.description).toContain(topic);
    expect(asyncapi.components.securitySchemes.accessToken).toMatchObject({ type: 'httpApiKey', in: 'query', name: 'token' });
  });

  it.each(Object.values(Events).map((d) => [d.type, d] as const))('has the server event %s, with an example that is a valid frame', (type) => {
    const message = messages[keyOf(type)];
    expect(message.name).toBe(type);
    const frame = message.examples[0].payload;
    expect(frame.type).toBe(type);
    expect(checkEvent(frame)).toEqual({ ok: true });
    const operation = Object.values(asyncapi.operations).find((o: any) => o.action === 'send' && o.messages[0].$ref === `#/channels/socket/messages/${keyOf(type)}`);
    expect(operation).toBeDefined();
  });

  it('shows domain payloads as the REST endpoints return them', () => {
    expect(NotificationView.safeParse((eventDocs['notification.new'].example as any).data).error?.issues).toBeUndefined();
    expect(AnnouncementView.safeParse((eventDocs['system.announcement'].example as any).data).error?.issues).toBeUndefined();
    expect(MessageView.safeParse((eventDocs['chat.message'].example as any).data.message).error?.issues).toBeUndefined();
  });

  it.each(Object.keys(ClientActions))('has the client action %s, with an example the server accepts', (action) => {
    const message = messages[`${keyOf(action)}Action`];
    expect(message.name).toBe(action);
    expect(ClientActions[action as keyof typeof ClientActions].safeParse(message.examples[0].payload).error?.issues).toBeUndefined();
    expect(actionDocs[action as keyof typeof actionDocs].example).toEqual(message.examples[0].payload);
    expect(Object.values(asyncapi.operations).some((o: any) => o.action === 'receive' && o.messages[0].$ref === `#/channels/socket/messages/${keyOf(action)}Action`)).toBe(true);
  });
});
