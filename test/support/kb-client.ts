import type { KbEntry } from '#knowledge';
import { http, type HttpResult } from './api-client.js';

/** An entry body as sent: deliberately loose, so tests can send invalid ones. */
export type EntryBody = object;

/** A tenant's knowledge-base routes, over real HTTP. */
export class KbClient {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string,
  ) {}

  private url(path: string): string {
    return `${this.baseUrl}/v1/kb${path}`;
  }

  create(body: EntryBody): Promise<HttpResult> {
    return http(this.url('/entries'), { token: this.apiKey, body });
  }

  get(id: string): Promise<HttpResult> {
    return http(this.url(`/entries/${encodeURIComponent(id)}`), { token: this.apiKey });
  }

  put(id: string, body: EntryBody): Promise<HttpResult> {
    return http(this.url(`/entries/${encodeURIComponent(id)}`), { method: 'PUT', token: this.apiKey, body });
  }

  remove(id: string): Promise<HttpResult> {
    return http(this.url(`/entries/${encodeURIComponent(id)}`), { method: 'DELETE', token: this.apiKey });
  }

  list(query: Record<string, string | number> = {}): Promise<HttpResult<{ items: Record<string, any>[]; nextCursor: string | null }>> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
    return http(this.url(`/entries${qs ? `?${qs}` : ''}`), { token: this.apiKey });
  }

  /** Every entry (id, texts, lists; no timestamps), following the cursor. */
  async all(): Promise<KbEntry[]> {
    const entries: KbEntry[] = [];
    let cursor: string | null = null;
    do {
      const page = await this.list({ limit: 500, ...(cursor ? { cursor } : {}) });
      if (page.status !== 200) throw new Error(`list failed: ${page.status} ${JSON.stringify(page.body)}`);
      for (const { id, question, similarQuestions, answer, tags } of page.body.items) entries.push({ id, question, similarQuestions, answer, tags });
      cursor = page.body.nextCursor;
    } while (cursor);
    return entries;
  }

  import(text: string, contentType: string, mode?: 'upsert' | 'replace'): Promise<HttpResult> {
    return http(this.url(`/import${mode ? `?mode=${mode}` : ''}`), { token: this.apiKey, raw: text, headers: { 'content-type': contentType } });
  }

  async export(format?: 'ndjson' | 'csv'): Promise<{ status: number; contentType: string | null; text: string }> {
    const res = await fetch(this.url(`/export${format ? `?format=${format}` : ''}`), { headers: { authorization: `Bearer ${this.apiKey}` } });
    return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
  }
}
