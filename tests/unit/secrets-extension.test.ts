// Functions read their secrets through the AWS Parameters and Secrets Lambda Extension's localhost API. The
// extension has no local build, so a small HTTP server speaks its wire protocol here: GET
// /secretsmanager/get?secretId=..., authorised by the function's session token, answering GetSecretValue's JSON.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSecretString, SecretReadError } from '../../shared/secrets/extension.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function extension(answer: (req: IncomingMessage) => { status: number; body: unknown }, port = 0): Promise<{ port: number; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    const { status, body } = answer(req);
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, seen })));
}

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:gradhelper/jwt-AbCdEf';
const envFor = (port: number) => ({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port), AWS_SESSION_TOKEN: 'session-token-of-the-role' });

describe('reading a secret through the Parameters and Secrets extension', () => {
  it('asks for the secret by id with the function session token and returns its SecretString', async () => {
    const ext = await extension(() => ({ status: 200, body: { ARN, Name: 'gradhelper/jwt', SecretString: 'the-signing-key', VersionId: 'v1' } }));
    await expect(readSecretString(ARN, envFor(ext.port))).resolves.toBe('the-signing-key');
    expect(ext.seen).toHaveLength(1);
    expect(ext.seen[0].url).toBe(`/secretsmanager/get?secretId=${encodeURIComponent(ARN)}`);
    expect(ext.seen[0].headers['x-aws-parameters-secrets-token']).toBe('session-token-of-the-role');
  });

  it('waits for an extension that is not listening yet (it starts beside the runtime)', async () => {
    const probe = await extension(() => ({ status: 500, body: '' }));
    const port = probe.port;
    await new Promise((r) => servers.pop()!.close(r)); // free the port; nothing listens on it now
    const late = new Promise<void>((resolve) => setTimeout(() => void extension(() => ({ status: 200, body: { SecretString: 'late-but-here' } }), port).then(() => resolve()), 120));
    await expect(readSecretString(ARN, envFor(port))).resolves.toBe('late-but-here');
    await late;
  });

  it('retries a 5xx and gives up at once on a 4xx (unknown secret, no permission), naming the status', async () => {
    let calls = 0;
    const flaky = await extension(() => (++calls < 3 ? { status: 502, body: 'upstream' } : { status: 200, body: { SecretString: 'third-time' } }));
    await expect(readSecretString(ARN, envFor(flaky.port))).resolves.toBe('third-time');
    expect(calls).toBe(3);

    const denied = await extension(() => ({ status: 400, body: 'AccessDeniedException: not authorized' }));
    const failure = readSecretString(ARN, envFor(denied.port));
    await expect(failure).rejects.toBeInstanceOf(SecretReadError);
    await expect(failure).rejects.toThrow(/answered 400/);
    expect(denied.seen).toHaveLength(1);
  });

  it('refuses outside Lambda, where no session token proves who is asking', async () => {
    await expect(readSecretString(ARN, { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '1' })).rejects.toThrow(/AWS_SESSION_TOKEN/);
  });
});
