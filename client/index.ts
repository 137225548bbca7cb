// The typed client of the GradHelper API: openapi-fetch over the types `npm run client` generates from the
// OpenAPI document (schema.d.ts), with the bearer token on every call and one retry after a refresh when an
// access token has expired. Imports nothing from the server; copy the folder into a frontend as it is.
//
//   const api = createApiClient({ baseUrl: 'http://localhost:3001/api/v1', getToken: () => session.token });
//   const { data, error } = await api.POST('/tasks', { body: { title: 'Essay', ... } });
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './schema.d.ts';

export type { paths, components, operations } from './schema.d.ts';
export { connectRealtime, type RealtimeClient, type RealtimeOptions, type WebSocketLike } from './realtime.ts';
export type { ServerEvent, ServerEventMap, ClientActionMap } from './events.d.ts';

export type ApiClient = Client<paths>;

export interface ApiClientOptions {
  /** The API base URL with its stage: `http://localhost:3001/api/v1`, or the stack's `HttpApiUrl` output. */
  baseUrl: string;
  /** The current access token, sent as `Authorization: Bearer <token>`; none for public calls. */
  getToken?: () => string | undefined | Promise<string | undefined>;
  /**
   * Called when a call with a token answers 401 (the access token expired): renew the session (e.g. with
   * `POST /auth/refresh`) and return the new access token to repeat the call once, or undefined to give up.
   */
  refresh?: () => Promise<string | undefined>;
  /** Another fetch (tests, a framework's); default the global one. */
  fetch?: typeof globalThis.fetch;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const send = options.fetch ?? globalThis.fetch;
  // A copy of each request that carried a token, to repeat it after a refresh (the original's body is spent).
  const pending = new Map<string, Request>();
  const auth: Middleware = {
    async onRequest({ request, id }) {
      const token = await options.getToken?.();
      if (!token) return request;
      request.headers.set('Authorization', `Bearer ${token}`);
      if (options.refresh) pending.set(id, request.clone());
      return request;
    },
    async onResponse({ response, id }) {
      const copy = pending.get(id);
      pending.delete(id);
      if (response.status !== 401 || !copy || !options.refresh) return response;
      const token = await options.refresh();
      if (!token) return response;
      copy.headers.set('Authorization', `Bearer ${token}`);
      return send(copy);
    },
    onError({ id }) {
      pending.delete(id);
    },
  };
  client.use(auth);
  return client;
}
