// A tap on the wire between the signed-request clients (shared/aws) and the emulators: it records every
// request as sent (signed) and can answer one itself, for the failures no emulator produces on demand
// (throttling, a 5xx, an error code the emulator never uses). Everything else goes to the emulator.
import type { HttpRequest } from '@smithy/core/protocols';
import { nodeTransport, type AwsResponse, type Transport } from '../../shared/aws/signed-request.ts';

export interface SentRequest {
  method: string;
  /** Encoded, as on the wire. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

export type Around = (request: SentRequest, forward: () => Promise<AwsResponse>) => Promise<AwsResponse>;

export function tapTransport(around: Around = (_request, forward) => forward()): { sent: SentRequest[]; transport: Transport } {
  const sent: SentRequest[] = [];
  const transport: Transport = async (request: HttpRequest) => {
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
    const body = request.body === undefined ? '' : Buffer.from(request.body as Uint8Array | string).toString('utf8');
    const entry: SentRequest = { method: request.method, path: request.path, headers, body };
    sent.push(entry);
    return around(entry, () => nodeTransport(request));
  };
  return { sent, transport };
}

/** An error answer in the JSON services' format (Lambda, API Gateway): `x-amzn-ErrorType` and a message. */
export function jsonError(status: number, code: string, message = code): AwsResponse {
  return { status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': code }, body: Buffer.from(JSON.stringify({ message })) };
}

/** Retries without waiting, so tests of failures stay fast. */
export const QUICK_RETRY = { baseDelayMs: 1, throttlingBaseDelayMs: 1 };
