import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN } from './test-apps.js';

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
  ms: number;
}

/** Thin fetch wrapper: JSON in, JSON out, timing included. */
export const http = async <T = Record<string, unknown>>(
  url: string,
  init: { method?: string; token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> => {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined = init.raw;
  if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const started = performance.now();
  const res = await fetch(url, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await res.text();
  const ms = performance.now() - started;
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* non-JSON bodies are returned as text */
  }
  return { status: res.status, body: parsed as T, headers: res.headers, ms };
};

export const uniqueTenantId = (label: string): string => `${label}-${randomBytes(4).toString('hex')}`;

/** Operator and tenant calls the tests repeat. */
export class FengdaClient {
  constructor(readonly baseUrl: string) {}

  async createTenant(id: string, config: Record<string, unknown> = {}): Promise<{ id: string; apiKey: string }> {
    const res = await http<{ apiKey: string }>(`${this.baseUrl}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id, name: `Tenant ${id}`, config } });
    if (res.status !== 201) throw new Error(`create tenant failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { id, apiKey: res.body.apiKey };
  }

  async token(apiKey: string, userId: string): Promise<string> {
    const res = await http<{ token: string }>(`${this.baseUrl}/v1/auth/token`, { token: apiKey, body: { userId } });
    if (res.status !== 200) throw new Error(`token failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token;
  }

  chat(token: string, query: string, clientMsgId?: string): Promise<HttpResult> {
    return http(`${this.baseUrl}/v1/chat`, { token, body: { query, ...(clientMsgId ? { clientMsgId } : {}) } });
  }

  conversation(apiKey: string, userId: string): Promise<HttpResult<{ userId: string; turns: Record<string, unknown>[] }>> {
    return http(`${this.baseUrl}/v1/conversations/${encodeURIComponent(userId)}`, { token: apiKey });
  }
}
