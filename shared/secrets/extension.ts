// Secrets Manager values through the AWS Parameters and Secrets Lambda Extension instead of the Secrets Manager
// SDK client: the extension (a layer the stack adds to every function that reads a secret) serves
// GetSecretValue on localhost and caches it, so no function bundles or initialises a second AWS client for
// one call per cold start. Rotation still belongs to Secrets Manager: the extension re-reads after its TTL
// (PARAMETERS_SECRETS_EXTENSION_... variables the stack sets), and callers here cache per cold start as before.
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html
import { request } from 'node:http';

const DEFAULT_PORT = 2773;
/** The extension starts beside the runtime and may not listen yet on the very first request. */
const ATTEMPTS = 5;
const RETRY_DELAY_MS = 50;

export class SecretReadError extends Error {}

interface ExtensionAnswer {
  status: number;
  body: string;
}

function get(port: number, path: string, token: string): Promise<ExtensionAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { 'X-Aws-Parameters-Secrets-Token': token }, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('the secrets extension did not answer in 2 s')));
    req.on('error', reject);
    req.end();
  });
}

/** SecretString of `secretId` (name or ARN), read through the extension on this function's own credentials. */
export async function readSecretString(secretId: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const port = Number(env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? DEFAULT_PORT);
  // The extension only answers callers that prove they are this function: the session token of its role.
  const token = env.AWS_SESSION_TOKEN;
  if (!token) throw new SecretReadError('AWS_SESSION_TOKEN is not set: the secrets extension runs only inside Lambda');
  const path = `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`;
  let lastError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const answer = await get(port, path, token);
      if (answer.status === 200) {
        const value = (JSON.parse(answer.body) as { SecretString?: unknown }).SecretString;
        if (typeof value !== 'string') throw new SecretReadError(`secret ${secretId} has no SecretString`);
        return value;
      }
      // 4xx: wrong id, no permission, not found: retrying does not help. 5xx: Secrets Manager or the extension is struggling.
      lastError = new SecretReadError(`the secrets extension answered ${answer.status} for ${secretId}: ${answer.body.slice(0, 200)}`);
      if (answer.status < 500) throw lastError;
    } catch (err) {
      if (err instanceof SecretReadError) throw err;
      lastError = err; // connection refused while the extension starts, or a timeout
    }
    if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, RETRY_DELAY_MS * attempt));
  }
  throw new SecretReadError(`could not read ${secretId} through the secrets extension: ${(lastError as Error)?.message ?? lastError}`);
}
