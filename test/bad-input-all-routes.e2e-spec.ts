import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ErrorCode } from '#common';
import { FengdaClient, http, uniqueTenantId } from './support/api-client.js';
import { BANK_FAQ } from './support/bank-faq.js';
import { toNdjson } from './support/kb-fixtures.js';
import { LogCapture } from './support/log-capture.js';
import { catalogEntryOf, documentedRoutes, GATEWAY_ROUTES, registeredRoutes, routeKey, type Credential } from './support/route-catalog.js';
import { ADMIN_TOKEN, startGateway, startWorker, type RunningApp } from './support/test-apps.js';
import { WsTestClient, type Frame } from './support/ws-client.js';

/**
 * Bad input on every route that takes a body, path parameters or a query: each gets a 4xx
 * with a stable `{statusCode, code, message}` (never a 500, never an `unhandled error` log
 * line), both processes stay up, and what the tenant had stored before is unchanged.
 *
 * Decisions where the right behaviour is debatable, applied the same way on every route:
 * - A NUL character (U+0000) anywhere in a string is refused with 400 VALIDATION_FAILED
 *   (KB_IMPORT_INVALID for a line of an import file): Postgres text cannot hold it, so it can
 *   never be stored, and a turn whose audit record can never be written must not be answered.
 * - Other control characters (ESC, BEL, DEL), SQL and Redis syntax, and mixed scripts are valid
 *   text where free text is valid (questions, answers, queries, names, labels, fallback texts):
 *   stored as plain text and read back byte for byte. In ids, user ids and other patterned
 *   values they are a 400.
 * - Bytes that are not UTF-8 are refused (JSON text is UTF-8, RFC 8259), as the import route
 *   already refuses them, rather than silently replaced with U+FFFD.
 * - JSON routes take `application/json` only: anything else with a body is 415, as
 *   documented in the OpenAPI document.
 * - Error codes are Fengda's own (the `ErrorCode` list), not a framework's internal codes.
 */

const RUN = randomBytes(3).toString('hex');
/** Failed credentials are counted per client IP: this suite's under its own (trusted-proxy) address. */
const CLIENT_IP = { 'x-forwarded-for': '198.51.100.72' };
const FENGDA_CODES = new Set<string>(Object.values(ErrorCode));

const NUL = 'a\u0000b';
const SQL = `'; DROP TABLE kb_entries; -- " OR 1=1 /* ${RUN} */`;
const REDIS = `*1\r\n$8\r\nFLUSHALL\r\n{t:other:u:x} EVAL "return 1" 0 ${RUN}`;
const CONTROL = `colour \u001b[31mred\u001b[0m bell \u0007 del \u007f ${RUN}`;
const MIXED = `中文 English العربية 🙂 zero\u200bwidth ${RUN}`;
const DEEP = (inner: string): string => `${'['.repeat(5000)}${inner}${']'.repeat(5000)}`;

interface Reply {
  status: number;
  body: any;
  text: string;
}

interface Call {
  token?: string;
  /** JSON body (serialised), or raw bytes/text. */
  json?: unknown;
  raw?: string | Buffer;
  /** Content-Type; null sends a body without one. Defaults to application/json when there is a body. */
  type?: string | null;
  headers?: Record<string, string>;
}

/** One bad request and what it must get. */
interface Case {
  route: string;
  name: string;
  send: () => Promise<Reply>;
  status: number;
  code: string | readonly string[];
}

describe('bad input on every route: a 4xx with a stable code, never a 500', () => {
  const gatewayLogs = new LogCapture('gateway');
  const workerLogs = new LogCapture('nlp-worker');
  let gateway: RunningApp;
  let worker: RunningApp;
  let api: FengdaClient;
  let owner: pg.Client;
  /** The tenant that only ever gets requests that must be refused; its data is snapshotted. */
  let target: { id: string; apiKey: string; keyId: string; token: string; name: string };
  /** The tenant where valid-but-nasty text is stored and read back. */
  let store: { id: string; apiKey: string; token: string };
  let snapshot: Awaited<ReturnType<typeof snapshotOf>>;

  const call = async (method: string, path: string, init: Call = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...CLIENT_IP, ...(init.headers ?? {}) };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | Buffer | undefined = init.raw;
    if (init.json !== undefined) body = JSON.stringify(init.json);
    const type = init.type === undefined ? (body === undefined ? undefined : 'application/json') : init.type;
    if (type) headers['content-type'] = type;
    // A string body would get fetch's own text/plain type: bytes go without one.
    const payload = body === undefined ? undefined : typeof body === 'string' && !type ? Buffer.from(body) : body;
    const res = await fetch(`${gateway.url}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* SSE and exports are text */
    }
    return { status: res.status, body: parsed, text };
  };

  const tokenFor = (credential: Credential): string | undefined =>
    credential === 'admin' ? ADMIN_TOKEN : credential === 'apiKey' ? target.apiKey : credential === 'endUser' ? target.token : undefined;

  const snapshotOf = async () => ({
    kb: await (await fetch(`${gateway.url}/v1/kb/export`, { headers: { authorization: `Bearer ${target.apiKey}` } })).text(),
    conversation: JSON.stringify((await api.conversation(target.apiKey, 'snapshot-user')).body),
    audit: (await owner.query(`SELECT id, event_id, kind, query, answer, action FROM audit_log WHERE tenant_id = $1 ORDER BY id`, [target.id])).rows as Record<string, unknown>[],
    tenant: (await http<Record<string, unknown>>(`${gateway.url}/v1/admin/tenants/${target.id}`, { token: ADMIN_TOKEN })).body,
    keys: JSON.stringify((await http(`${gateway.url}/v1/admin/tenants/${target.id}/api-keys`, { token: ADMIN_TOKEN })).body),
  });

  beforeAll(async () => {
    const env = { ADMIN_AUTH_FAILURES_PER_MIN: '10000', API_KEY_AUTH_FAILURES_PER_MIN: '10000', WS_RATE_LIMIT: '10000' };
    gateway = await startGateway({ logger: gatewayLogs.logger, env: { ...env, LOG_LEVEL: 'info' } });
    worker = await startWorker({ logger: workerLogs.logger });
    api = new FengdaClient(gateway.url);
    owner = new pg.Client({ connectionString: process.env.FENGDA_TEST_DATABASE_URL });
    await owner.connect();
    const config = { answerDeadlineMs: 5_000, rateLimit: { userPerMin: 10_000, userBurst: 1_000 } };

    const t = await api.createTenant(uniqueTenantId('barrage'), config);
    const keys = await http<{ id: string }[]>(`${gateway.url}/v1/admin/tenants/${t.id}/api-keys`, { token: ADMIN_TOKEN });
    target = { ...t, keyId: keys.body[0]!.id, token: await api.token(t.apiKey, 'barrage-user'), name: `Tenant ${t.id}` };
    const s = await api.createTenant(uniqueTenantId('stored'), config);
    store = { ...s, token: await api.token(s.apiKey, 'nasty-user') };

    // What the target holds before the barrage: a knowledge base, a conversation, an audit trail.
    expect((await http(`${gateway.url}/v1/kb/import`, { token: target.apiKey, raw: toNdjson(BANK_FAQ), headers: { 'content-type': 'application/x-ndjson' } })).status).toBe(200);
    const snapshotUser = await api.token(target.apiKey, 'snapshot-user');
    expect((await api.chat(snapshotUser, '银行卡丢了怎么挂失?')).status).toBe(200);
    expect((await api.chat(snapshotUser, 'What are your branch opening hours?')).status).toBe(200);
    for (let i = 0; i < 100; i++) {
      const { rows } = await owner.query(`SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND kind = 'turn'`, [target.id]);
      if (rows[0].n >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    snapshot = await snapshotOf();
    expect(snapshot.audit.length).toBeGreaterThanOrEqual(4);
  });

  afterAll(async () => {
    await owner?.end();
    await gateway?.close();
    await worker?.close();
  });

  // ---------------------------------------------------------------------------------------
  // The table
  // ---------------------------------------------------------------------------------------

  interface JsonRoute {
    method: string;
    template: string;
    path: () => string;
    credential: Credential;
    /** A valid body (never sent as is: each case breaks one thing). */
    valid: () => Record<string, unknown>;
    /** Its string fields: how to set one, its longest valid length, and whether it is stored (NUL refused). */
    strings: { field: string; set: (body: Record<string, any>, value: string) => void; max: number; echoedOnly?: boolean }[];
    /** Its fields with a value of the wrong type. */
    wrongTypes: Record<string, unknown>;
    /** The body is optional (all fields optional): no body at all is a valid request. */
    optionalBody?: boolean;
  }

  const field = (name: string, max: number) => ({ field: name, max, set: (body: Record<string, any>, value: string) => void (body[name] = value) });

  const JSON_ROUTES: JsonRoute[] = [
    {
      method: 'POST', template: '/v1/admin/tenants', path: () => '/v1/admin/tenants', credential: 'admin',
      valid: () => ({ id: uniqueTenantId('bad'), name: 'Bad Bank', config: { fallbackText: 'busy' } }),
      strings: [field('id', 64), field('name', 200), { field: 'config.fallbackText', max: 2000, set: (b, v) => void (b.config.fallbackText = v) }],
      wrongTypes: { id: 5, name: ['x'], config: 'x' },
    },
    {
      method: 'PATCH', template: '/v1/admin/tenants/:id', path: () => `/v1/admin/tenants/${target.id}`, credential: 'admin',
      valid: () => ({ name: target.name, config: { handoffText: '正在为您转接人工客服,请稍候。' } }),
      strings: [field('name', 200), { field: 'config.handoffText', max: 2000, set: (b, v) => void (b.config.handoffText = v) }],
      wrongTypes: { name: 5, status: 'deleted', config: [1] },
      optionalBody: true,
    },
    {
      method: 'POST', template: '/v1/admin/tenants/:id/api-keys', path: () => `/v1/admin/tenants/${target.id}/api-keys`, credential: 'admin',
      valid: () => ({ label: 'crm' }),
      strings: [field('label', 100)],
      wrongTypes: { label: 5 },
      optionalBody: true,
    },
    {
      method: 'POST', template: '/v1/auth/token', path: () => '/v1/auth/token', credential: 'apiKey',
      valid: () => ({ userId: 'u-1' }),
      strings: [field('userId', 128)],
      wrongTypes: { userId: 5 },
    },
    {
      method: 'POST', template: '/v1/auth/revoke', path: () => '/v1/auth/revoke', credential: 'apiKey',
      valid: () => ({ userId: 'nobody-1' }),
      strings: [field('userId', 128)],
      wrongTypes: { userId: ['a'] },
    },
    ...(['/v1/chat', '/v1/chat/stream'] as const).map((template): JsonRoute => ({
      method: 'POST', template, path: () => template, credential: 'endUser',
      valid: () => ({ query: 'hi', clientMsgId: 'm-1' }),
      strings: [field('query', 2000), field('clientMsgId', 128)],
      wrongTypes: { query: 5, clientMsgId: { id: 1 } },
    })),
    {
      method: 'POST', template: '/v1/chat/completions', path: () => '/v1/chat/completions', credential: 'apiKey',
      valid: () => ({ model: 'fengda', user: 'oai-user', messages: [{ role: 'user', content: 'hi' }] }),
      strings: [{ ...field('model', 128), echoedOnly: true }, field('user', 128), { field: 'messages[0].content', max: 2000, set: (b, v) => void (b.messages[0].content = v) }],
      wrongTypes: { messages: 'hi', user: 5, stream: 'yes', n: 2 },
    },
    {
      method: 'POST', template: '/v1/kb/entries', path: () => '/v1/kb/entries', credential: 'apiKey',
      valid: () => ({ id: 'new-entry', question: 'q', answer: 'a', similarQuestions: ['s'], tags: ['t'] }),
      strings: [
        field('id', 128), field('question', 2000), field('answer', 10_000),
        { field: 'similarQuestions[0]', max: 2000, set: (b, v) => void (b.similarQuestions[0] = v) },
        { field: 'tags[0]', max: 64, set: (b, v) => void (b.tags[0] = v) },
      ],
      wrongTypes: { question: 5, answer: {}, similarQuestions: 's', tags: [1] },
    },
    {
      method: 'PUT', template: '/v1/kb/entries/:id', path: () => '/v1/kb/entries/put-entry', credential: 'apiKey',
      valid: () => ({ question: 'q', answer: 'a', similarQuestions: ['s'], tags: ['t'] }),
      strings: [
        field('question', 2000), field('answer', 10_000),
        { field: 'similarQuestions[0]', max: 2000, set: (b, v) => void (b.similarQuestions[0] = v) },
        { field: 'tags[0]', max: 64, set: (b, v) => void (b.tags[0] = v) },
      ],
      wrongTypes: { question: [], answer: 5, tags: 't' },
    },
  ];

  const INVALID_UTF8 = Buffer.from([0x61, 0xc3, 0x28, 0x62]); // "a", a lead byte without its continuation, "(b"

  /** The valid body with one string field's bytes replaced by bytes that are not UTF-8. */
  const withInvalidUtf8 = (route: JsonRoute): Buffer => {
    const body = route.valid();
    const placeholder = `@@${RUN}@@`;
    // A free-text field where there is one (ids and user ids would fail their pattern anyway).
    (route.strings.find((s) => s.max >= 200) ?? route.strings[0]!).set(body, placeholder);
    const [before, after] = JSON.stringify(body).split(placeholder);
    return Buffer.concat([Buffer.from(before!), INVALID_UTF8, Buffer.from(after!)]);
  };

  const jsonCases = (route: JsonRoute): Case[] => {
    const key = routeKey(route.method, route.template);
    // Built lazily: the tenants exist only once the suite runs.
    const send = (init: () => Call) => () => call(route.method, route.path(), { token: tokenFor(route.credential), ...init() });
    const withField = (s: JsonRoute['strings'][number], value: string) => () => {
      const body = route.valid();
      s.set(body, value);
      return { json: body };
    };
    const prepend = (prefix: string) => () => ({ raw: JSON.stringify(route.valid()).replace(/^\{/, `{${prefix},`) });
    const cases: Omit<Case, 'route'>[] = [
      { name: 'malformed JSON', send: send(() => ({ raw: '{"query": "hi",' })), status: 400, code: 'INVALID_JSON' },
      { name: 'empty body declared as JSON', send: send(() => ({ raw: '' })), status: 400, code: 'INVALID_JSON' },
      { name: 'a JSON string instead of an object', send: send(() => ({ raw: '"text"' })), status: 400, code: 'VALIDATION_FAILED' },
      { name: 'a JSON array instead of an object', send: send(() => ({ json: [route.valid()] })), status: 400, code: 'VALIDATION_FAILED' },
      { name: 'a JSON number instead of an object', send: send(() => ({ raw: '42' })), status: 400, code: 'VALIDATION_FAILED' },
      { name: 'an unknown field', send: send(() => ({ json: { ...route.valid(), isAdmin: true } })), status: 400, code: 'VALIDATION_FAILED' },
      { name: 'a __proto__ key', send: send(prepend('"__proto__":{"polluted":true}')), status: 400, code: 'INVALID_JSON' },
      { name: 'a constructor.prototype key', send: send(prepend('"constructor":{"prototype":{"polluted":true}}')), status: 400, code: 'INVALID_JSON' },
      { name: 'a body nested 5,000 levels deep', send: send(prepend(`"deep":${DEEP('')}`)), status: 400, code: 'VALIDATION_FAILED' },
      { name: 'a body over the 64 KiB limit', send: send(() => ({ json: { ...route.valid(), padding: 'x'.repeat(70_000) } })), status: 413, code: 'PAYLOAD_TOO_LARGE' },
      { name: 'bytes that are not UTF-8 (0xC3 0x28)', send: send(() => ({ raw: withInvalidUtf8(route) })), status: 400, code: ['INVALID_JSON', 'VALIDATION_FAILED'] },
      ...Object.entries(route.wrongTypes).map(([name, value]) => ({
        name: `${name} of the wrong type (${JSON.stringify(value)})`,
        send: send(() => ({ json: { ...route.valid(), [name]: value } })),
        status: 400,
        code: 'VALIDATION_FAILED',
      })),
      ...route.strings.flatMap((s) => [
        // (`model` is only echoed back, never stored: a NUL in it harms nothing.)
        ...(s.echoedOnly ? [] : [{ name: `a NUL character in ${s.field}`, send: send(withField(s, NUL)), status: 400, code: 'VALIDATION_FAILED' }]),
        { name: `${s.field} one character too long (${s.max + 1})`, send: send(withField(s, 'x'.repeat(s.max + 1))), status: 400, code: 'VALIDATION_FAILED' },
      ]),
      ...(['application/xml', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/csv', 'application/x-ndjson'] as const).map((type) => ({
        name: `Content-Type ${type}`,
        send: send(() => ({
          raw: type === 'application/x-www-form-urlencoded' ? new URLSearchParams(flatStrings(route.valid())).toString() : JSON.stringify(route.valid()),
          type,
        })),
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      })),
      { name: 'a body without a Content-Type', send: send(() => ({ raw: JSON.stringify(route.valid()), type: null })), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      ...(route.optionalBody
        ? []
        : [
            { name: 'no body at all', send: send(() => ({})), status: 400, code: 'VALIDATION_FAILED' },
            { name: 'a JSON null body', send: send(() => ({ raw: 'null' })), status: 400, code: 'VALIDATION_FAILED' },
          ]),
    ];
    return cases.map((c) => ({ ...c, route: key }));
  };

  /** Path parameters: each route with each bad value, with a valid body where it takes one. */
  interface ParamRoute {
    method: string;
    template: string;
    /** Which parameter gets the bad value. */
    param: string;
    credential: Credential;
    path: (value: string) => string;
    json?: () => Record<string, unknown>;
  }

  const PARAM_ROUTES: ParamRoute[] = [
    { method: 'GET', template: '/v1/admin/tenants/:id', param: 'id', credential: 'admin', path: (v) => `/v1/admin/tenants/${v}` },
    { method: 'PATCH', template: '/v1/admin/tenants/:id', param: 'id', credential: 'admin', path: (v) => `/v1/admin/tenants/${v}`, json: () => ({ name: 'x' }) },
    { method: 'GET', template: '/v1/admin/tenants/:id/api-keys', param: 'id', credential: 'admin', path: (v) => `/v1/admin/tenants/${v}/api-keys` },
    { method: 'POST', template: '/v1/admin/tenants/:id/api-keys', param: 'id', credential: 'admin', path: (v) => `/v1/admin/tenants/${v}/api-keys`, json: () => ({ label: 'x' }) },
    { method: 'DELETE', template: '/v1/admin/tenants/:id/api-keys/:keyId', param: 'id', credential: 'admin', path: (v) => `/v1/admin/tenants/${v}/api-keys/${target.keyId}` },
    { method: 'DELETE', template: '/v1/admin/tenants/:id/api-keys/:keyId', param: 'keyId', credential: 'admin', path: (v) => `/v1/admin/tenants/${target.id}/api-keys/${v}` },
    { method: 'GET', template: '/v1/conversations/:userId', param: 'userId', credential: 'apiKey', path: (v) => `/v1/conversations/${v}` },
    { method: 'DELETE', template: '/v1/conversations/:userId', param: 'userId', credential: 'apiKey', path: (v) => `/v1/conversations/${v}` },
    { method: 'GET', template: '/v1/kb/entries/:id', param: 'id', credential: 'apiKey', path: (v) => `/v1/kb/entries/${v}` },
    { method: 'PUT', template: '/v1/kb/entries/:id', param: 'id', credential: 'apiKey', path: (v) => `/v1/kb/entries/${v}`, json: () => ({ question: 'q', answer: 'a' }) },
    { method: 'DELETE', template: '/v1/kb/entries/:id', param: 'id', credential: 'apiKey', path: (v) => `/v1/kb/entries/${v}` },
  ];

  const BAD_PARAMS: [string, string][] = [
    ['a space', 'a%20b'],
    ['a Redis hash tag', '%7Bt%3Aother%3Au%3Ax%7D'],
    ['a NUL character', 'a%00b'],
    ['SQL injection', "1'%20OR%20'1'%3D'1"],
    ['Redis injection (CRLF)', 'x%0D%0AFLUSHALL%0D%0A'],
    ['an encoded path traversal', '..%2F..%2Fadmin'],
    ['an uppercase or underscore id where a slug or UUID belongs', 'NOT_A_SLUG_OR_UUID'],
    ['300 characters', 'x'.repeat(300)],
    ['a malformed percent escape', 'a%zzb'],
    ['percent-encoded bytes that are not UTF-8', 'a%C3%28b'],
  ];

  const paramCases = (route: ParamRoute): Case[] =>
    BAD_PARAMS
      // Uppercase and underscores are valid in user ids and KB ids: that value only applies to tenant slugs and key ids.
      .filter(([name]) => !name.startsWith('an uppercase') || route.template.startsWith('/v1/admin'))
      .map(([name, value]) => ({
        route: routeKey(route.method, route.template),
        name: `:${route.param} with ${name}`,
        send: () => call(route.method, route.path(value), { token: tokenFor(route.credential), ...(route.json ? { json: route.json() } : {}) }),
        status: 400,
        code: 'VALIDATION_FAILED',
      }));

  /** Query strings: unknown, mistyped, repeated, NUL, overlong, injected. */
  const QUERY_CASES: [string, string, Credential, string, Call?][] = [
    ['GET /v1/kb/entries', '/v1/kb/entries?isAdmin=1', 'apiKey', 'an unknown parameter'],
    ['GET /v1/kb/entries', '/v1/kb/entries?limit=abc', 'apiKey', 'a limit that is not a number'],
    ['GET /v1/kb/entries', '/v1/kb/entries?limit=1.5', 'apiKey', 'a fractional limit'],
    ['GET /v1/kb/entries', '/v1/kb/entries?limit=-1', 'apiKey', 'a negative limit'],
    ['GET /v1/kb/entries', '/v1/kb/entries?limit=1e309', 'apiKey', 'an infinite limit'],
    ['GET /v1/kb/entries', '/v1/kb/entries?limit=1&limit=2', 'apiKey', 'a repeated limit'],
    ['GET /v1/kb/entries', '/v1/kb/entries?cursor=a%00b', 'apiKey', 'a NUL character in the cursor'],
    ['GET /v1/kb/entries', '/v1/kb/entries?cursor=%27%20OR%201%3D1', 'apiKey', 'SQL injection in the cursor'],
    ['GET /v1/kb/entries', `/v1/kb/entries?cursor=${'Q'.repeat(201)}`, 'apiKey', 'a cursor over 200 characters'],
    ['GET /v1/kb/entries', '/v1/kb/entries?tag=a%00b', 'apiKey', 'a NUL character in the tag'],
    ['GET /v1/kb/entries', `/v1/kb/entries?tag=${'x'.repeat(65)}`, 'apiKey', 'a tag over 64 characters'],
    ['GET /v1/kb/entries', '/v1/kb/entries?tag=a&tag=b', 'apiKey', 'a repeated tag'],
    ['GET /v1/kb/export', '/v1/kb/export?format=xml', 'apiKey', 'an unknown format'],
    ['GET /v1/kb/export', '/v1/kb/export?format=csv&format=ndjson', 'apiKey', 'a repeated format'],
    ['GET /v1/kb/export', '/v1/kb/export?format=a%00b', 'apiKey', 'a NUL character in the format'],
    ['GET /v1/kb/export', '/v1/kb/export?tenantId=other', 'apiKey', 'an unknown parameter'],
    ['GET /v1/audit', '/v1/audit?limit=abc', 'apiKey', 'a limit that is not a number'],
    ['GET /v1/audit', '/v1/audit?from=2026-02-30', 'apiKey', 'an impossible date'],
    ['GET /v1/audit', '/v1/audit?from=2026%00', 'apiKey', 'a NUL character in a date'],
    ['GET /v1/audit', '/v1/audit?to=0000-01-01', 'apiKey', 'year zero'],
    ['GET /v1/audit', '/v1/audit?userId=%27%20OR%201%3D1%20--', 'apiKey', 'SQL injection in the user id'],
    ['GET /v1/audit', '/v1/audit?userId=a%00b', 'apiKey', 'a NUL character in the user id'],
    ['GET /v1/audit', '/v1/audit?kind=turn&kind=admin', 'apiKey', 'a repeated kind'],
    ['GET /v1/audit', '/v1/audit?source=kb%27%20OR%20%271%27%3D%271', 'apiKey', 'SQL injection in the source'],
    ['GET /v1/audit', `/v1/audit?cursor=${Buffer.from(JSON.stringify(['2026-01-01T00:00:00Z', '1 OR 1=1'])).toString('base64url')}`, 'apiKey', 'a forged cursor with SQL in it'],
    ['GET /v1/audit', `/v1/audit?cursor=${Buffer.from(JSON.stringify(['9999-99-99T00:00:00Z', '1'])).toString('base64url')}`, 'apiKey', 'a forged cursor with an impossible date'],
    ['GET /v1/audit', `/v1/audit?cursor=${Buffer.from('["x"').toString('base64url')}`, 'apiKey', 'a forged cursor that is not JSON'],
    ['GET /v1/audit', '/v1/audit?format=a%00b', 'apiKey', 'a NUL character in the format'],
    ['GET /v1/audit', '/v1/audit?tenantId=other', 'apiKey', 'an unknown parameter'],
    ['POST /v1/kb/import', '/v1/kb/import?mode=drop', 'apiKey', 'an unknown mode', { raw: toNdjson([BANK_FAQ[0]!]), type: 'application/x-ndjson' }],
    ['POST /v1/kb/import', '/v1/kb/import?mode=a%00b', 'apiKey', 'a NUL character in the mode', { raw: toNdjson([BANK_FAQ[0]!]), type: 'application/x-ndjson' }],
    ['POST /v1/kb/import', '/v1/kb/import?dryRun=1', 'apiKey', 'an unknown parameter', { raw: toNdjson([BANK_FAQ[0]!]), type: 'application/x-ndjson' }],
    ['GET /demo/token', '/demo/token?visitorId=a%00b', 'none', 'a NUL character in the visitor id'],
    ['GET /demo/token', '/demo/token?visitorId=visitor-1%27%20OR%201%3D1', 'none', 'a visitor id this endpoint did not issue'],
    ['GET /demo/token', '/demo/token?tenantId=other', 'none', 'an unknown parameter'],
  ];

  const queryCases = (): Case[] =>
    QUERY_CASES.map(([route, path, credential, name, init]) => ({
      route,
      name,
      send: () => call(route.split(' ')[0]!, path, { token: tokenFor(credential), ...(init ?? {}) }),
      status: 400,
      code: 'VALIDATION_FAILED',
    }));

  /** The import route's body: NDJSON or CSV text. */
  const importCases = (): Case[] => {
    const route = 'POST /v1/kb/import';
    const send = (raw: string | Buffer, type: string | null = 'application/x-ndjson') => () =>
      call('POST', '/v1/kb/import', { token: target.apiKey, raw, type });
    const line = (entry: Record<string, unknown>) => `${JSON.stringify(entry)}\n`;
    const valid = { id: 'imported', question: 'q', answer: 'a' };
    const invalid = (name: string, raw: string | Buffer, type?: string): Case => ({ route, name, send: send(raw, type), status: 400, code: 'KB_IMPORT_INVALID' });
    return [
      ...(['application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml'] as const).map((type) => ({
        route, name: `Content-Type ${type}`, send: send(line(valid), type), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE',
      })),
      { route, name: 'a body without a Content-Type', send: send(line(valid), null), status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      { route, name: 'bytes that are not UTF-8', send: send(Buffer.concat([Buffer.from('{"id":"x","question":"'), INVALID_UTF8, Buffer.from('","answer":"a"}\n')])), status: 400, code: 'VALIDATION_FAILED' },
      { route, name: 'over the 20 MiB import limit', send: send(Buffer.alloc(21 * 1024 * 1024, 0x20)), status: 413, code: 'PAYLOAD_TOO_LARGE' },
      invalid('an empty file', ''),
      invalid('only blank lines', '\n\n   \n'),
      invalid('a malformed JSON line', `${line(valid)}{"id":"broken",\n`),
      invalid('a line that is an array', '[1,2]\n'),
      invalid('a line that is null', 'null\n'),
      invalid('a wrong type', line({ ...valid, question: 5 })),
      invalid('an unknown field', line({ ...valid, isAdmin: true })),
      invalid('a __proto__ key', `{"__proto__":{"polluted":true},"id":"p","question":"q","answer":"a"}\n`),
      invalid('a constructor.prototype key', `{"constructor":{"prototype":{"polluted":true}},"id":"p","question":"q","answer":"a"}\n`),
      invalid('a line nested 5,000 levels deep', `{"id":"d","question":"q","answer":"a","x":${DEEP('')}}\n`),
      invalid('a question over 2,000 characters', line({ ...valid, question: 'x'.repeat(2001) })),
      invalid('an id with a Redis hash tag', line({ ...valid, id: '{t:other:u:x}' })),
      invalid('SQL injection in the id', line({ ...valid, id: "x' OR '1'='1" })),
      invalid('a NUL character (escaped) in a question', line({ ...valid, question: NUL })),
      invalid('a NUL character (escaped) in a tag', line({ ...valid, tags: [NUL] })),
      invalid('a NUL byte in a CSV cell', 'id,question,answer\r\nn1,a\u0000b,x\r\n', 'text/csv'),
      invalid('a CSV file with an unknown column', 'id,question,answer,isAdmin\r\nx,q,a,1\r\n', 'text/csv'),
      invalid('a CSV file with an unterminated quote', 'id,question,answer\r\nx,"q,a\r\n', 'text/csv'),
      invalid('a CSV file without a header', 'x,q,a\r\n', 'text/csv'),
    ];
  };

  const CASES: Case[] = [...JSON_ROUTES.flatMap(jsonCases), ...PARAM_ROUTES.flatMap(paramCases), ...queryCases(), ...importCases()];

  it.each(CASES.map((c): [string, string, Case] => [c.route, c.name, c]))('%s — %s', async (_route, _name, c) => {
    const res = await c.send();
    const codes = typeof c.code === 'string' ? [c.code] : c.code;
    expect({ status: res.status, code: res.body?.code }).toEqual({ status: c.status, code: codes.includes(res.body?.code) ? res.body.code : codes[0] });
    expect(res.body).toMatchObject({ statusCode: c.status, code: expect.any(String), message: expect.any(String) });
    expect(FENGDA_CODES.has(res.body.code)).toBe(true);
  });

  // ---------------------------------------------------------------------------------------
  // The WebSocket: a handshake with a query, then JSON frames
  // ---------------------------------------------------------------------------------------

  describe('GET /v1/ws', () => {
    it.each([
      { name: 'a token that is not a JWT', token: 'not.a.jwt', status: 401, code: 'INVALID_TOKEN' },
      { name: 'a NUL character in the token', token: 'a\u0000b', status: 401, code: 'INVALID_TOKEN' },
      { name: 'a tenant API key as the token', token: 'API_KEY', status: 401, code: 'INVALID_TOKEN' },
      { name: 'a lastSeq that is not a number', token: 'TOKEN', lastSeq: 'abc', status: 400, code: 'VALIDATION_FAILED' },
      { name: 'a negative lastSeq', token: 'TOKEN', lastSeq: '-1', status: 400, code: 'VALIDATION_FAILED' },
      { name: 'a lastSeq of 30 digits', token: 'TOKEN', lastSeq: '9'.repeat(30), status: 400, code: 'VALIDATION_FAILED' },
    ])('handshake with $name → $status $code', async ({ token, lastSeq, status, code }) => {
      const credential = token === 'TOKEN' ? target.token : token === 'API_KEY' ? target.apiKey : token;
      const refused = await WsTestClient.refused(gateway.url, { token: credential, ...(lastSeq !== undefined ? { lastSeq } : {}), headers: CLIENT_IP });
      expect(refused).toMatchObject({ status, body: { statusCode: status, code, message: expect.any(String) } });
    });

    const BAD_FRAMES: { name: string; frame: string | Buffer; code: string }[] = [
      { name: 'malformed JSON', frame: '{"type":"message",', code: 'INVALID_JSON' },
      { name: 'JSON null', frame: 'null', code: 'VALIDATION_FAILED' },
      { name: 'a JSON array', frame: '[{"type":"ping"}]', code: 'VALIDATION_FAILED' },
      { name: 'no type', frame: '{"query":"hi"}', code: 'VALIDATION_FAILED' },
      { name: 'an unknown type', frame: '{"type":"admin"}', code: 'VALIDATION_FAILED' },
      { name: 'a query of the wrong type', frame: '{"type":"message","query":5}', code: 'VALIDATION_FAILED' },
      { name: 'an unknown field', frame: '{"type":"message","query":"hi","isAdmin":true}', code: 'VALIDATION_FAILED' },
      // PROTOCOL.md: "Unknown fields are refused, as in the REST API" (where these two are INVALID_JSON).
      { name: 'a __proto__ key', frame: '{"type":"message","query":"hi","__proto__":{"polluted":true}}', code: ['INVALID_JSON', 'VALIDATION_FAILED'].join('|') },
      { name: 'a constructor.prototype key', frame: '{"type":"message","query":"hi","constructor":{"prototype":{"polluted":true}}}', code: ['INVALID_JSON', 'VALIDATION_FAILED'].join('|') },
      { name: 'nesting 5,000 levels deep', frame: `{"type":"message","query":"hi","x":${DEEP('')}}`, code: 'VALIDATION_FAILED' },
      { name: 'a NUL character in the query', frame: JSON.stringify({ type: 'message', query: NUL, clientMsgId: 'nul-1' }), code: 'VALIDATION_FAILED' },
      { name: 'a query over 2,000 characters', frame: JSON.stringify({ type: 'message', query: 'x'.repeat(2001) }), code: 'VALIDATION_FAILED' },
      { name: 'a bad clientMsgId', frame: JSON.stringify({ type: 'message', query: 'hi', clientMsgId: 'a b {c}' }), code: 'VALIDATION_FAILED' },
      { name: 'a resume with a negative lastSeq', frame: '{"type":"resume","lastSeq":-1}', code: 'VALIDATION_FAILED' },
      { name: 'a ping with extra fields', frame: '{"type":"ping","x":1}', code: 'VALIDATION_FAILED' },
      { name: 'a binary frame', frame: Buffer.from('{"type":"ping"}'), code: 'VALIDATION_FAILED' },
    ];

    it.each(BAD_FRAMES)('a frame with $name → an error frame ($code), and the socket keeps working', async ({ frame, code }) => {
      const ws = await WsTestClient.connect(gateway.url, { token: target.token, headers: CLIENT_IP });
      await ws.nextOf('ready');
      if (typeof frame === 'string') ws.sendRaw(frame);
      else ws.sendRaw(frame, true);
      const reply = await ws.next((f: Frame) => f.type === 'error' || f.type === 'answer' || f.type === 'delta');
      ws.send({ type: 'ping' });
      const pong = await ws.nextOf('pong');
      await ws.close();
      expect({ type: reply.type, code: code.split('|').includes(reply.code) ? code : reply.code }).toEqual({ type: 'error', code });
      expect(reply.message).toEqual(expect.any(String));
      expect(pong).toEqual({ type: 'pong' });
    });

    it('a text frame that is not UTF-8 closes the socket (1007), a frame over the size limit too (1009)', async () => {
      const invalid = await WsTestClient.connect(gateway.url, { token: target.token, headers: CLIENT_IP });
      await invalid.nextOf('ready');
      // ws refuses to send invalid UTF-8 as text itself: write the frame by hand (FIN, opcode 1, masked).
      const payload = Buffer.concat([Buffer.from('{"type":"message","query":"'), INVALID_UTF8, Buffer.from('"}')]);
      const mask = randomBytes(4);
      const header = Buffer.from([0x81, 0x80 | payload.length]);
      const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
      (invalid.ws as unknown as { _socket: { write(b: Buffer): void } })._socket.write(Buffer.concat([header, mask, masked]));
      expect((await invalid.closed).code).toBe(1007);

      const huge = await WsTestClient.connect(gateway.url, { token: target.token, headers: CLIENT_IP });
      await huge.nextOf('ready');
      huge.send({ type: 'message', query: 'x'.repeat(20_000) });
      expect((await huge.closed).code).toBe(1009);
    });
  });

  // ---------------------------------------------------------------------------------------
  // Valid but nasty text is stored as plain text, byte for byte
  // ---------------------------------------------------------------------------------------

  describe('SQL, Redis syntax, control characters and mixed scripts are stored as plain text where text is valid', () => {
    const TEXTS = { SQL, REDIS, CONTROL, MIXED };

    it.each(Object.entries(TEXTS))('%s in every free-text field of a KB entry (POST, PUT, import) round-trips exactly', async (name, text) => {
      const entry = { id: `nasty-${name.toLowerCase()}`, question: text, answer: `${text} answer`, similarQuestions: [text, `${text}?`], tags: [text.slice(0, 64)] };
      expect((await http(`${gateway.url}/v1/kb/entries`, { token: store.apiKey, body: entry })).status).toBe(201);
      expect((await http(`${gateway.url}/v1/kb/entries/${entry.id}`, { token: store.apiKey })).body).toMatchObject(entry);
      const put = { question: `${text} put`, answer: text, similarQuestions: [], tags: [] };
      expect((await http(`${gateway.url}/v1/kb/entries/${entry.id}-put`, { method: 'PUT', token: store.apiKey, body: put })).status).toBe(201);
      expect((await http(`${gateway.url}/v1/kb/entries/${entry.id}-put`, { token: store.apiKey })).body).toMatchObject(put);
      const imported = { ...entry, id: `${entry.id}-import` };
      for (const [type, file] of [
        ['application/x-ndjson', toNdjson([imported])],
        ['text/csv', `id,question,answer,similarQuestions,tags\r\n${[imported.id, imported.question, imported.answer, imported.similarQuestions.join('|'), imported.tags.join('|')].map(csvCell).join(',')}\r\n`],
      ] as const) {
        expect(await http(`${gateway.url}/v1/kb/import`, { token: store.apiKey, raw: file, headers: { 'content-type': type } })).toMatchObject({ status: 200 });
        expect((await http(`${gateway.url}/v1/kb/entries/${imported.id}`, { token: store.apiKey })).body).toMatchObject(imported);
      }
      // As a filter it is plain text too: it finds exactly the entries tagged with it.
      const tagged = await http<{ items: { id: string }[] }>(`${gateway.url}/v1/kb/entries?tag=${encodeURIComponent(text.slice(0, 64))}`, { token: store.apiKey });
      expect(tagged.body.items.map((e) => e.id).sort()).toEqual([entry.id, imported.id].sort());
      const none = await http<{ items: unknown[] }>(`${gateway.url}/v1/kb/entries?tag=${encodeURIComponent(`${text.slice(0, 60)} zz`)}`, { token: store.apiKey });
      expect(none.body.items).toEqual([]);
    });

    it.each(Object.entries(TEXTS))('%s as a chat query on REST, SSE, the OpenAI facade and the WebSocket is stored as sent', async (name, text) => {
      const user = `nasty-${name.toLowerCase()}`;
      const token = await api.token(store.apiKey, user);
      expect((await api.chat(token, text)).status).toBe(200);
      const sse = await fetch(`${gateway.url}/v1/chat/stream`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: `${text} 2` }) });
      expect(sse.status).toBe(200);
      await sse.text();
      const completion = await http(`${gateway.url}/v1/chat/completions`, { token: store.apiKey, body: { user, messages: [{ role: 'user', content: `${text} 3` }] } });
      expect(completion.status).toBe(200);
      const ws = await WsTestClient.connect(gateway.url, { token });
      await ws.nextOf('ready');
      expect((await ws.ask(`${text} 4`, 'nasty-ws')).final).toMatchObject({ type: 'answer' });
      await ws.close();
      const { body } = await api.conversation(store.apiKey, user);
      expect(body.turns.map((t) => t.query)).toEqual([text, `${text} 2`, `${text} 3`, `${text} 4`]);
    });

    it.each(Object.entries(TEXTS))('%s in a tenant name, a fallback text and an API key label is stored as sent', async (_name, text) => {
      const id = uniqueTenantId('nasty');
      const created = await http<Record<string, any>>(`${gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id, name: text, config: { fallbackText: text } } });
      expect(created.status).toBe(201);
      const patched = await http(`${gateway.url}/v1/admin/tenants/${id}`, { method: 'PATCH', token: ADMIN_TOKEN, body: { config: { handoffText: text } } });
      expect(patched.status).toBe(200);
      expect((await http(`${gateway.url}/v1/admin/tenants/${id}`, { token: ADMIN_TOKEN })).body).toMatchObject({ name: text, config: { fallbackText: text, handoffText: text } });
      expect((await http(`${gateway.url}/v1/admin/tenants/${id}/api-keys`, { token: ADMIN_TOKEN, body: { label: text.slice(0, 100) } })).status).toBe(201);
      const keys = await http<{ label: string | null }[]>(`${gateway.url}/v1/admin/tenants/${id}/api-keys`, { token: ADMIN_TOKEN });
      expect(keys.body.map((k) => k.label)).toContain(text.slice(0, 100));
      // And the fallback text comes back as the answer, as stored.
      const token = await api.token(created.body.apiKey as string, 'u1');
      expect((await api.chat(token, 'qqq zzz nothing matches')).body).toMatchObject({ source: 'fallback', answer: text });
    });

    it('the audit trail holds the nasty queries as sent', async () => {
      const wanted = [SQL, REDIS, CONTROL, MIXED];
      let queries: string[] = [];
      for (let i = 0; i < 100; i++) {
        queries = (await owner.query(`SELECT query FROM audit_log WHERE tenant_id = $1 AND kind = 'turn'`, [store.id])).rows.map((r: { query: string }) => r.query);
        if (wanted.every((q) => queries.includes(q))) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(wanted.filter((q) => !queries.includes(q))).toEqual([]);
    });
  });

  describe('the queue dashboard (Bull Board, operator only)', () => {
    // A library's routes with their own error shape ({error, message}): they must still answer a
    // 4xx, never a 500, and refuse anyone but the operator first.
    it.each([
      { name: 'malformed JSON', method: 'POST', path: '/admin/queues/api/queues/answer/add', raw: '{"name":', type: 'application/json' },
      { name: 'an unknown queue', method: 'PUT', path: '/admin/queues/api/queues/no-such-queue/pause' },
      { name: 'an unknown job', method: 'GET', path: '/admin/queues/api/queues/answer/no-such-job' },
      // Refused by the router before any credential is looked at.
      { name: 'a malformed percent escape', method: 'GET', path: '/admin/queues/api/queues/answer/a%zzb', tenantKeyStatus: 400 },
    ])('$name → a 4xx', async ({ method, path, raw, type, tenantKeyStatus }) => {
      const res = await call(method, path, { token: ADMIN_TOKEN, ...(raw !== undefined ? { raw, type } : {}) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const withTenantKey = await call(method, path, { token: target.apiKey, ...(raw !== undefined ? { raw, type } : {}) });
      if (tenantKeyStatus === undefined) expect(withTenantKey).toMatchObject({ status: 401, body: { code: 'INVALID_ADMIN_TOKEN' } });
      else expect(withTenantKey.status).toBe(tenantKeyStatus);
    });
  });

  describe('the longest valid values work everywhere, path parameters included', () => {
    // 128 characters, with the characters a path must percent-encode (":" and "@"), so the
    // encoded parameter is far longer than 128.
    const LONGEST_ID = `${'k:'.repeat(63)}-x`;
    const LONGEST_USER = `${'u@'.repeat(63)}.x`;

    it('a KB entry with a 128-character id can be created, read, replaced and deleted', async () => {
      expect(LONGEST_ID).toHaveLength(128);
      const path = `${gateway.url}/v1/kb/entries/${encodeURIComponent(LONGEST_ID)}`;
      expect((await http(`${gateway.url}/v1/kb/entries`, { token: store.apiKey, body: { id: LONGEST_ID, question: 'q', answer: 'a' } })).status).toBe(201);
      expect(await http(path, { token: store.apiKey })).toMatchObject({ status: 200, body: { id: LONGEST_ID } });
      expect(await http(path, { method: 'PUT', token: store.apiKey, body: { question: 'q2', answer: 'a2' } })).toMatchObject({ status: 200, body: { answer: 'a2' } });
      expect((await http(path, { method: 'DELETE', token: store.apiKey })).status).toBe(204);
    });

    it("a 128-character user id's conversation can be read and erased", async () => {
      expect(LONGEST_USER).toHaveLength(128);
      expect((await api.chat(await api.token(store.apiKey, LONGEST_USER), 'hello')).status).toBe(200);
      const path = `${gateway.url}/v1/conversations/${encodeURIComponent(LONGEST_USER)}`;
      expect(await http<{ turns: unknown[] }>(path, { token: store.apiKey })).toMatchObject({ status: 200, body: { userId: LONGEST_USER, turns: [expect.objectContaining({ query: 'hello' })] } });
      expect(await http(path, { method: 'DELETE', token: store.apiKey })).toMatchObject({ status: 200, body: { erased: true } });
    });

    it('a 64-character tenant id works on every admin route', async () => {
      const id = `${'t'.repeat(55)}-${randomBytes(4).toString('hex')}`;
      expect(id).toHaveLength(64);
      expect((await http(`${gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id, name: 'long' } })).status).toBe(201);
      expect((await http(`${gateway.url}/v1/admin/tenants/${id}`, { token: ADMIN_TOKEN })).status).toBe(200);
      expect((await http(`${gateway.url}/v1/admin/tenants/${id}/api-keys`, { token: ADMIN_TOKEN })).status).toBe(200);
    });
  });

  // ---------------------------------------------------------------------------------------
  // After the barrage
  // ---------------------------------------------------------------------------------------

  describe('after the barrage', () => {
    it('the gateway logged no unhandled error, and no request ended in a 5xx', () => {
      const failures = gatewayLogs.lines.filter((l) => l.msg === 'unhandled error' || l.msg === 'websocket upgrade failed' || l.msg === 'websocket frame failed' || (l.msg === 'request' && Number(l.status) >= 500));
      expect(failures.map((l) => `${String(l.msg)} ${String(l.method ?? '')} ${String(l.route ?? '')} ${String(l.status ?? '')} ${String(l.err ?? '').split('\n')[0]}`)).toEqual([]);
    });

    it('both processes are still up and ready', async () => {
      expect((await http(`${gateway.url}/health/live`)).status).toBe(200);
      expect((await http(`${gateway.url}/health/ready`)).status).toBe(200);
      expect((await http(`${worker.url}/health/live`)).status).toBe(200);
      expect((await http(`${worker.url}/health/ready`)).status).toBe(200);
      // And it still works: a normal turn is answered.
      expect((await api.chat(await api.token(store.apiKey, 'after-barrage'), '银行卡丢了怎么挂失?')).status).toBe(200);
    });

    it("the target's knowledge base, conversation, audit trail, tenant and keys stored before the barrage are unchanged", async () => {
      const after = await snapshotOf();
      const beforeKb = new Map(snapshot.kb.trim().split('\n').map((l) => [JSON.parse(l).id as string, l]));
      const afterKb = new Map(after.kb.trim().split('\n').map((l) => [JSON.parse(l).id as string, l]));
      expect([...beforeKb].filter(([id, line]) => afterKb.get(id) !== line)).toEqual([]);
      expect(after.conversation).toBe(snapshot.conversation);
      const afterIds = new Map(after.audit.map((r) => [r.id, JSON.stringify(r)]));
      expect(snapshot.audit.filter((r) => afterIds.get(r.id) !== JSON.stringify(r))).toEqual([]);
      expect(after.tenant).toMatchObject({ name: snapshot.tenant.name, status: 'active', config: snapshot.tenant.config });
      const beforeKeys = JSON.parse(snapshot.keys) as unknown[];
      expect((JSON.parse(after.keys) as unknown[]).slice(0, beforeKeys.length)).toEqual(beforeKeys);
    });

    it('the refused requests wrote nothing: no new entries, keys, turns or audit rows for the target', async () => {
      const after = await snapshotOf();
      const beforeIds = new Set(snapshot.kb.trim().split('\n').map((l) => JSON.parse(l).id as string));
      expect(after.kb.trim().split('\n').map((l) => JSON.parse(l).id as string).filter((id) => !beforeIds.has(id))).toEqual([]);
      expect(JSON.parse(after.keys)).toHaveLength((JSON.parse(snapshot.keys) as unknown[]).length);
      const beforeAudit = new Set(snapshot.audit.map((r) => r.id));
      expect(after.audit.filter((r) => !beforeAudit.has(r.id)).map((r) => `${String(r.kind)} ${String(r.action ?? '')} ${JSON.stringify(r.query)}`)).toEqual([]);
      expect(after.tenant.updatedAt).toBe(snapshot.tenant.updatedAt);
      // (Chat cases run as "barrage-user": a turn answered for it was a request that should have been refused.)
      expect((await api.conversation(target.apiKey, 'barrage-user')).body.turns.map((t) => t.query)).toEqual([]);
    });
  });

  // ---------------------------------------------------------------------------------------
  // Every route is in the catalogue, and every route with a body, parameters or a query is covered
  // ---------------------------------------------------------------------------------------

  describe('route catalogue', () => {
    it('matches the OpenAPI document and the Fastify route table', async () => {
      const doc = (await http<{ paths: Record<string, Record<string, unknown>> }>(`${gateway.url}/docs-json`)).body;
      const documented = documentedRoutes(doc).sort();
      expect(documented).toEqual(GATEWAY_ROUTES.filter((r) => r.documented).map((r) => routeKey(r.method, r.path)).sort());
      const fastify = gateway.app.getHttpAdapter().getInstance();
      const registered = registeredRoutes(fastify.printRoutes({ commonPrefix: false }));
      expect(registered.length).toBeGreaterThan(20);
      expect(registered.filter((r) => !catalogEntryOf(GATEWAY_ROUTES, r.method, r.path)).map((r) => routeKey(r.method, r.path))).toEqual([]);
      // Every catalogued HTTP route exists (the WebSocket is an upgrade handler, not a route).
      const keys = new Set(registered.map((r) => routeKey(r.method, r.path)));
      expect(GATEWAY_ROUTES.filter((r) => r.transport !== 'websocket' && !keys.has(routeKey(r.method, r.path))).map((r) => routeKey(r.method, r.path))).toEqual([]);
    });

    it('has bad-input cases for every route that takes a body, path parameters or a query', () => {
      const covered = new Set([...CASES.map((c) => c.route), 'GET /v1/ws']);
      const needing = GATEWAY_ROUTES.filter((r) => !r.family && (r.body !== 'none' || r.path.includes(':') || /query/.test(r.note ?? ''))).map((r) => routeKey(r.method, r.path));
      expect(needing.filter((k) => !covered.has(k))).toEqual([]);
    });
  });
});

/** The string fields of a flat valid body, for a form-encoded copy of it. */
const flatStrings = (body: Record<string, unknown>): [string, string][] =>
  Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string');

const csvCell = (value: string): string => (/[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value);
