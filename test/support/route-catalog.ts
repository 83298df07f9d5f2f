/**
 * Every HTTP route of the gateway (and the worker's probe port), with its credential and body
 * kind, so suites that must cover "every route" can be table-driven and can fail when a route
 * appears that nobody covers. `documentedRoutes` reads the OpenAPI document, `registeredRoutes`
 * the Fastify route table: a test compares both with this catalogue.
 */

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Who may call: the platform operator, a tenant backend, an end user, anyone. */
export type Credential = 'admin' | 'apiKey' | 'endUser' | 'none';

export interface CatalogRoute {
  method: Method;
  /** Fastify syntax (`:id`); for a `family`, the prefix every member starts with. */
  path: string;
  credential: Credential;
  /** `json`: application/json; `text`: application/x-ndjson or text/csv; `none`: no body. */
  body: 'json' | 'text' | 'none';
  /** In the OpenAPI document (`/docs-json`). */
  documented: boolean;
  /** Reads or writes one tenant's data (the cross-tenant suite covers each). */
  tenantScoped: boolean;
  transport: 'http' | 'sse' | 'websocket' | 'http+sse';
  /** A family of routes under one prefix, owned by a library (Swagger UI, Bull Board). */
  family?: boolean;
  note?: string;
}

const r = (method: Method, path: string, credential: Credential, body: CatalogRoute['body'], extra: Partial<CatalogRoute> = {}): CatalogRoute => ({
  method,
  path,
  credential,
  body,
  documented: true,
  tenantScoped: credential === 'apiKey' || credential === 'endUser',
  transport: 'http',
  ...extra,
});

const hidden = { documented: false } as const;

/** The gateway's routes (GET implies HEAD, which Fastify adds on its own). */
export const GATEWAY_ROUTES: readonly CatalogRoute[] = [
  // Platform operator
  r('POST', '/v1/admin/tenants', 'admin', 'json'),
  r('GET', '/v1/admin/tenants/:id', 'admin', 'none'),
  r('PATCH', '/v1/admin/tenants/:id', 'admin', 'json'),
  r('GET', '/v1/admin/tenants/:id/api-keys', 'admin', 'none'),
  r('POST', '/v1/admin/tenants/:id/api-keys', 'admin', 'json'),
  r('DELETE', '/v1/admin/tenants/:id/api-keys/:keyId', 'admin', 'none'),
  // Tenant backend (API key)
  r('POST', '/v1/auth/token', 'apiKey', 'json'),
  r('POST', '/v1/auth/revoke', 'apiKey', 'json'),
  r('GET', '/v1/conversations/:userId', 'apiKey', 'none'),
  r('DELETE', '/v1/conversations/:userId', 'apiKey', 'none'),
  r('POST', '/v1/kb/entries', 'apiKey', 'json'),
  r('GET', '/v1/kb/entries', 'apiKey', 'none', { note: 'query: limit, cursor, tag' }),
  r('GET', '/v1/kb/entries/:id', 'apiKey', 'none'),
  r('PUT', '/v1/kb/entries/:id', 'apiKey', 'json'),
  r('DELETE', '/v1/kb/entries/:id', 'apiKey', 'none'),
  r('POST', '/v1/kb/import', 'apiKey', 'text', { note: 'query: mode' }),
  r('GET', '/v1/kb/export', 'apiKey', 'none', { note: 'query: format' }),
  r('GET', '/v1/audit', 'apiKey', 'none', { note: 'query: from, to, userId, source, kind, limit, cursor, format' }),
  r('POST', '/v1/chat/completions', 'apiKey', 'json', { transport: 'http+sse', note: 'OpenAI facade; `user` names the end user; header Idempotency-Key' }),
  // End user (JWT)
  r('POST', '/v1/chat', 'endUser', 'json'),
  r('POST', '/v1/chat/stream', 'endUser', 'json', { transport: 'sse' }),
  r('GET', '/v1/ws', 'endUser', 'none', { ...hidden, transport: 'websocket', note: 'upgrade; JWT in ?token= or an auth frame; JSON frames' }),
  // Not in the OpenAPI document on purpose
  r('GET', '/', 'none', 'none', { ...hidden, note: 'web chat page' }),
  r('GET', '/web/chat.js', 'none', 'none', hidden),
  r('GET', '/web/chat.css', 'none', 'none', hidden),
  r('GET', '/demo/token', 'none', 'none', { ...hidden, note: 'outside production only; query: visitorId; end-user token of the demo tenant' }),
  r('GET', '/health/live', 'none', 'none', hidden),
  r('GET', '/health/ready', 'none', 'none', hidden),
  r('GET', '/metrics', 'none', 'none', hidden),
  r('GET', '/docs', 'none', 'none', { ...hidden, family: true, note: 'Swagger UI, /docs-json, /docs-yaml and UI assets' }),
  r('GET', '/admin/queues', 'admin', 'none', { ...hidden, family: true, note: 'Bull Board UI and its JSON API (GET, PUT, PATCH, POST under /admin/queues/api/…)' }),
];

/** The worker's probe port (`WORKER_PORT`). */
export const WORKER_ROUTES: readonly CatalogRoute[] = [
  r('GET', '/health/live', 'none', 'none', hidden),
  r('GET', '/health/ready', 'none', 'none', hidden),
  r('GET', '/metrics', 'none', 'none', hidden),
];

export const routeKey = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;

/** The catalogue entry a concrete route belongs to (itself, or its family), if any. */
export const catalogEntryOf = (catalog: readonly CatalogRoute[], method: string, path: string): CatalogRoute | undefined =>
  catalog.find((c) => c.method === method && c.path === path) ??
  catalog.find((c) => c.family && (path === c.path || path.startsWith(`${c.path}/`) || path.startsWith(`${c.path}-`)));

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** `METHOD /path` (Fastify `:param` syntax) of every operation in an OpenAPI document. */
export const documentedRoutes = (doc: OpenApiDocument): string[] =>
  Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((m) => HTTP_METHODS.has(m))
      .map((m) => routeKey(m, path.replace(/\{([^}]+)\}/g, ':$1'))),
  );

/**
 * `{method, path}` of every route in Fastify's route table, read from `printRoutes()` (HEAD,
 * which Fastify adds to each GET, is left out). The tree's lines are `<indent>├── <segment>
 * (<METHODS>)`; a route's path is its ancestors' segments joined.
 */
export const registeredRoutes = (printed: string): { method: string; path: string }[] => {
  const routes: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    const at = line.indexOf('── ');
    if (at < 0) continue;
    const depth = Math.round((at - 1) / 4);
    const match = /^(\S+)(?: \(([^)]*)\))?/.exec(line.slice(at + 3));
    if (!match) continue;
    stack.length = depth;
    stack.push(match[1]!);
    if (!match[2]) continue;
    const path = stack.join('') || '/';
    for (const method of match[2].split(',').map((m) => m.trim())) if (method && method !== 'HEAD') routes.push({ method, path });
  }
  return routes;
};
