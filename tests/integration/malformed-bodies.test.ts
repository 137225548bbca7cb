// Nothing a client sends may crash a function or the local gateway: every JSON route answers a broken JSON
// body, and every multipart route a truncated or otherwise broken form, with 400 VALIDATION_ERROR in the
// error envelope, and the stack answers the next request.
import { beforeAll, describe, expect, it } from 'vitest';
import { allRoutes } from '../../shared/contract/index.ts';
import { routeKey, type RouteDef } from '../../shared/http/contract.ts';
import { concretePath, tokenFor as tokenOf } from '../support/routes.ts';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

let student: Actor;
let admin: Actor;
beforeAll(async () => {
  [student, admin] = await Promise.all([seedStudent(), seedAdmin()]);
});

const tokenFor = (route: RouteDef) => tokenOf(route, { student, admin });

const jsonRoutes = allRoutes.filter((r) => r.body && r.method !== 'GET');
const multipartRoutes = allRoutes.filter((r) => r.multipart);

const brokenJson: [string, string][] = [
  ['truncated mid-object', '{"title": "Thesis", "description": '],
  ['not JSON at all', 'title=Thesis&description=x'],
  ['trailing garbage', '{"title": "Thesis"}}'],
  ['a lone quote', '"'],
];

const BOUNDARY = '----gradhelper-test';
const filePart = (field: string) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="notes.txt"\r\nContent-Type: text/plain\r\n\r\n`;
const brokenMultipart = (field: string): [string, string, string][] => [
  ['truncated inside a file (no closing boundary)', `multipart/form-data; boundary=${BOUNDARY}`, `${filePart(field)}the first half of the fi`],
  ['truncated inside a field', `multipart/form-data; boundary=${BOUNDARY}`, `--${BOUNDARY}\r\nContent-Disposition: form-data; name="notes"\r\n\r\nhal`],
  ['truncated inside part headers', `multipart/form-data; boundary=${BOUNDARY}`, `--${BOUNDARY}\r\nContent-Disposition: form-da`],
  ['no boundary parameter', 'multipart/form-data', `${filePart(field)}x\r\n--${BOUNDARY}--\r\n`],
  ['a boundary that never appears', `multipart/form-data; boundary=${BOUNDARY}`, 'just some bytes'],
];

async function expectStackAlive() {
  const health = await api.get('/system/health');
  expect(health.status).toBe(200);
}

describe('broken JSON bodies', () => {
  const cases = jsonRoutes.flatMap((route) => brokenJson.map(([label, body]) => [routeKey(route), label, route, body] as const));
  it.each(cases)('%s with %s answers 400 VALIDATION_ERROR', async (_key, _label, route, body) => {
    const res = await api.call(route.method, concretePath(route), { token: tokenFor(route), body, headers: { 'content-type': 'application/json' } });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' }, requestId: expect.any(String) });
    await expectStackAlive();
  });
});

describe('broken multipart bodies', () => {
  const cases = multipartRoutes.flatMap((route) =>
    brokenMultipart(route.multipart!.fileFields[0]).map(([label, contentType, body]) => [routeKey(route), label, route, contentType, body] as const),
  );
  it.each(cases)('%s %s answers 400 VALIDATION_ERROR', async (_key, _label, route, contentType, body) => {
    const res = await api.call(route.method, concretePath(route), { token: tokenFor(route), body, headers: { 'content-type': contentType } });

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR', details: { field: 'body' } } });
    await expectStackAlive();
  });

  it('leaves the stack serving: a truncated upload, then a good one', async () => {
    const truncated = await api.call('POST', '/files/upload', {
      token: student.token,
      body: `${filePart('files')}half a file`,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    });
    const form = new FormData();
    form.append('files', new Blob(['a whole file'], { type: 'text/plain' }), 'whole.txt');
    form.append('category', 'chat_attachment');
    const good = await api.call('POST', '/files/upload', { token: student.token, form });

    expect(truncated.status).toBe(400);
    expect(good.status, JSON.stringify(good.body)).toBe(201);
  });
});

describe('malformed path parameters', () => {
  it('answers a path parameter that is not valid percent-encoding with 400, not 500', async () => {
    const res = await api.get('/tasks/%E0%A4%A', { token: student.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });
});

describe('a truncated file in a field the route does not take', () => {
  it('answers 400 (the skipped file stream errors too) and the stack keeps serving', async () => {
    const res = await api.call('POST', '/users/avatar', {
      token: student.token,
      body: `${filePart('not-the-avatar-field')}half a fi`,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    });
    expect(res.status).toBe(400);
    await expectStackAlive();
  });
});
