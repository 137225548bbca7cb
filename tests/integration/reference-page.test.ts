// The reference page in a real browser: Debian's headless Chromium (`.ci/run` installs it when missing; Playwright's
// own browser download cannot reach its host), driven with playwright-core. It opens <API base>/docs on a local
// stack, finds every section of the spec with its operations, signs in through "Try it out" and sees the 200,
// and the page breaks no rule of its content security policy on the way. A screenshot is left in
// .test-output/reference-page/ for people to look at.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT_DIR = join('.test-output', 'reference-page');

/** The sections of the API spec, which tag the operations of the OpenAPI document. */
const SPEC_SECTIONS = [
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
];

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

let browser: Browser;
let page: Page;
/** Console errors and refused loads: a content security policy violation shows up here. */
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('requestfailed', (request) => problems.push(`${request.url()}: ${request.failure()?.errorText}`));
  // Any request that leaves this API (a CDN, a validator, telemetry) would fail offline: there must be none.
  page.on('request', (request) => {
    if (!request.url().startsWith(stack.apiUrl) && !request.url().startsWith('data:')) problems.push(`request outside the API: ${request.url()}`);
  });
  await page.goto(`${stack.apiUrl}/docs`);
  await page.locator('.opblock-tag-section').first().waitFor({ timeout: 20_000 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('the API reference page in Chromium', () => {
  it.each(SPEC_SECTIONS)('shows the section %s with its operations', async (section) => {
    const tagSection = page.locator('.opblock-tag-section').filter({ has: page.locator(`h3.opblock-tag[data-tag="${section}"]`) });
    await expect.poll(() => tagSection.count()).toBe(1);
    expect(await tagSection.locator('.opblock').count()).toBeGreaterThan(0);
    expect(await tagSection.locator('h3.opblock-tag').isVisible()).toBe(true);
  });

  it('signs in through "Try it out" on POST /auth/login and shows the 200 answer', async () => {
    // Arrange: an account with a password, made through the API.
    const email = `reference-${randomBytes(4).toString('hex')}@example.test`;
    const password = 'Correct-Horse-9';
    expect((await api.post('/auth/register', { name: 'Page Reader', email, password, role: 'student' })).status).toBe(201);

    // Act: open the operation, try it out with the credentials, execute.
    const operation = page.locator('.opblock-post').filter({ has: page.locator('.opblock-summary-path[data-path="/auth/login"]') });
    await operation.locator('.opblock-summary').first().click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.locator('textarea.body-param__text').fill(JSON.stringify({ email, password }));
    await operation.getByRole('button', { name: 'Execute' }).click();

    // Assert: the live response is the 200 with the session in the envelope.
    const live = operation.locator('.live-responses-table .response');
    await live.first().waitFor({ timeout: 15_000 });
    await expect.poll(() => live.locator('.response-col_status').first().innerText()).toBe('200');
    expect(await live.locator('.response-col_description').first().innerText()).toContain('"refreshToken"');

    mkdirSync(OUTPUT_DIR, { recursive: true });
    await operation.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(OUTPUT_DIR, 'try-it-login.png'), fullPage: false });
  });

  it('calls a signed-in operation with the bearer token given to Authorize (GET /users/profile answers 200)', async () => {
    const email = `reference-${randomBytes(4).toString('hex')}@example.test`;
    const registered = await api.post('/auth/register', { name: 'Token Holder', email, password: 'Correct-Horse-9', role: 'student' });
    expect(registered.status).toBe(201);

    await page.locator('.scheme-container button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.locator('#auth-bearer-value').fill(registered.body.data.token);
    await dialog.locator('button.modal-btn.authorize').click();
    await dialog.locator('button.btn-done').click();

    const operation = page.locator('.opblock-get').filter({ has: page.locator('.opblock-summary-path[data-path="/users/profile"]') });
    await operation.locator('.opblock-summary').first().click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();

    const live = operation.locator('.live-responses-table .response');
    await live.first().waitFor({ timeout: 15_000 });
    await expect.poll(() => live.locator('.response-col_status').first().innerText()).toBe('200');
    expect(await live.locator('.response-col_description').first().innerText()).toContain(email);
  });

  it('links the AsyncAPI document of the WebSocket API', async () => {
    const link = page.getByRole('link', { name: /AsyncAPI/ });
    expect(await link.getAttribute('href')).toBe('asyncapi.json');
  });

  it('loads nothing from outside the API and breaks no rule of its content security policy', () => {
    expect(problems).toEqual([]);
  });
});
