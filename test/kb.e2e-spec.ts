import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { AuditRepository } from '#audit';
import { http, uniqueTenantId } from './support/api-client.js';
import { KbClient } from './support/kb-client.js';
import { CARD, generatedEntries, toNdjson, TRICKY_ENTRIES } from './support/kb-fixtures.js';
import { useApps } from './support/use-apps.js';

const NDJSON = 'application/x-ndjson';
const CSV = 'text/csv';

describe('knowledge base management', () => {
  const apps = useApps();

  const newKb = async (label: string, config: Record<string, unknown> = {}): Promise<KbClient & { tenantId: string }> => {
    const tenant = await apps.api.createTenant(uniqueTenantId(label), config);
    return Object.assign(new KbClient(apps.gateway.url, tenant.apiKey), { tenantId: tenant.id });
  };

  describe('entries', () => {
    it('creates, reads, replaces, lists and deletes an entry', async () => {
      const kb = await newKb('crud');
      const created = await kb.create(CARD);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ ...CARD, createdAt: expect.any(String), updatedAt: expect.any(String) });
      expect((await kb.get(CARD.id)).body).toEqual(created.body);

      const replaced = await kb.put(CARD.id, { question: CARD.question, answer: '可以分期。' });
      expect(replaced.status).toBe(200);
      expect(replaced.body).toMatchObject({ id: CARD.id, answer: '可以分期。', similarQuestions: [], tags: [], createdAt: created.body.createdAt });
      expect(await kb.get(CARD.id)).toMatchObject({ status: 200, body: { answer: '可以分期。', similarQuestions: [] } });
      // The body may repeat the path's id (read-modify-write clients).
      expect((await kb.put(CARD.id, { ...CARD, answer: 'again' })).status).toBe(200);

      const putNew = await kb.put('branch.hours:v2', { question: 'Branch hours?', answer: '9-17' });
      expect(putNew).toMatchObject({ status: 201, body: { id: 'branch.hours:v2' } });
      const generated = await kb.create({ question: 'Where is my card?', answer: 'In the post.' });
      expect(generated.status).toBe(201);
      expect(generated.body.id).toMatch(/^[0-9a-f-]{36}$/);

      expect((await kb.all()).map((e) => e.id).sort()).toEqual(['branch.hours:v2', CARD.id, String(generated.body.id)].sort());

      expect((await kb.remove(CARD.id)).status).toBe(204);
      expect(await kb.get(CARD.id)).toMatchObject({ status: 404, body: { code: 'KB_ENTRY_NOT_FOUND' } });
      expect(await kb.remove(CARD.id)).toMatchObject({ status: 404, body: { code: 'KB_ENTRY_NOT_FOUND' } });
    });

    it('refuses a taken id with 409 KB_ENTRY_EXISTS and keeps the first entry', async () => {
      const kb = await newKb('dup');
      expect((await kb.create(CARD)).status).toBe(201);
      expect(await kb.create({ ...CARD, answer: 'other' })).toMatchObject({ status: 409, body: { code: 'KB_ENTRY_EXISTS' } });
      expect((await kb.get(CARD.id)).body).toMatchObject({ answer: CARD.answer });
    });

    it.each([
      ['missing answer', { question: 'q' }, 'answer'],
      ['blank question', { question: '   ', answer: 'a' }, 'question'],
      ['question over 2,000 characters', { question: 'x'.repeat(2001), answer: 'a' }, 'question'],
      ['answer over 10,000 characters', { question: 'q', answer: 'x'.repeat(10_001) }, 'answer'],
      ['id with a space', { id: 'a b', question: 'q', answer: 'a' }, 'id'],
      ['id over 128 characters', { id: 'x'.repeat(129), question: 'q', answer: 'a' }, 'id'],
      ['51 similar questions', { question: 'q', answer: 'a', similarQuestions: Array.from({ length: 51 }, (_, i) => `q${i}`) }, 'similarQuestions'],
      ['a similar question that is not a string', { question: 'q', answer: 'a', similarQuestions: [1] }, 'similarQuestions'],
      ['21 tags', { question: 'q', answer: 'a', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags'],
      ['a tag over 64 characters', { question: 'q', answer: 'a', tags: ['x'.repeat(65)] }, 'tags'],
      ['an unknown field', { question: 'q', answer: 'a', createdBy: 'me' }, 'createdBy'],
    ])('refuses %s with 400 naming the field', async (_name, body, field) => {
      const kb = await newKb('val');
      const res = await kb.create(body);
      expect(res).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(Object.keys((res.body.details as { fields: object }).fields)).toContain(field);
      expect((await kb.all())).toEqual([]);
    });

    it('refuses bad ids, cursors, limits and a body id that differs from the path', async () => {
      const kb = await newKb('bad');
      expect(await kb.put('one', { id: 'two', question: 'q', answer: 'a' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', details: { fields: { id: expect.any(Array) } } } });
      expect(await kb.get('a b')).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await kb.list({ limit: 0 })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await kb.list({ limit: 501 })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await kb.list({ cursor: '!!!' })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect(await http(`${apps.gateway.url}/v1/kb/entries`, {})).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
    });

    it('pages in id order with a cursor and filters by tag', async () => {
      const kb = await newKb('page');
      const entries = generatedEntries(7, 'pg');
      for (const e of entries) expect((await kb.create(e)).status).toBe(201);
      const ids: string[] = [];
      let cursor: string | null = null;
      const sizes: number[] = [];
      do {
        const page = await kb.list({ limit: 3, ...(cursor ? { cursor } : {}) });
        expect(page.status).toBe(200);
        sizes.push(page.body.items.length);
        ids.push(...page.body.items.map((e) => String(e.id)));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(sizes).toEqual([3, 3, 1]);
      expect(ids).toEqual(entries.map((e) => e.id));
      const tagged = await kb.list({ tag: 'line-1' });
      expect(tagged.body.items.map((e) => e.id)).toEqual(['pg-00001']);
    });

    it("never lets tenant B read, change or delete tenant A's entry", async () => {
      const a = await newKb('kb-a');
      const b = await newKb('kb-b');
      const created = await a.create(CARD);
      expect(await b.get(CARD.id)).toMatchObject({ status: 404, body: { code: 'KB_ENTRY_NOT_FOUND' } });
      expect(await b.remove(CARD.id)).toMatchObject({ status: 404, body: { code: 'KB_ENTRY_NOT_FOUND' } });
      // The same id under B's key is B's own entry: A's is untouched.
      expect(await b.put(CARD.id, { question: 'B question', answer: 'B answer' })).toMatchObject({ status: 201 });
      expect((await b.remove(CARD.id)).status).toBe(204);
      expect(await a.get(CARD.id)).toMatchObject({ status: 200, body: created.body });
      expect(await b.all()).toEqual([]);
      expect((await b.export()).text).toBe('');
      // An API key naming another tenant is refused outright.
      const named = await http(`${apps.gateway.url}/v1/kb/entries/${CARD.id}`, { token: b.apiKey, headers: { 'x-tenant-id': a.tenantId } });
      expect(named).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    });

    it('chat answers from a new or changed entry at once, and no longer after it is deleted', async () => {
      // A generous deadline: this test is about the index being rebuilt, not about latency.
      const kb = await newKb('live', { answerDeadlineMs: 10_000 });
      const token = await apps.api.token(kb.apiKey, 'customer-1');
      const question = 'How do I activate my platinum travel card?';
      // The first turn builds the worker's (empty) index, so the next ones prove it is rebuilt.
      expect((await apps.api.chat(token, question)).body).toMatchObject({ source: 'fallback' });

      expect((await kb.create({ id: 'platinum-activate', question, answer: 'Activate it in the app, version 1.' })).status).toBe(201);
      expect((await apps.api.chat(token, question)).body).toMatchObject({ source: 'kb', entryId: 'platinum-activate', answer: 'Activate it in the app, version 1.' });

      expect((await kb.put('platinum-activate', { question, answer: 'Activate it in the app, version 2.' })).status).toBe(200);
      expect((await apps.api.chat(token, question)).body).toMatchObject({ source: 'kb', entryId: 'platinum-activate', answer: 'Activate it in the app, version 2.' });

      expect((await kb.remove('platinum-activate')).status).toBe(204);
      const after = await apps.api.chat(token, question);
      expect(after.body).toMatchObject({ source: 'fallback' });
      expect(after.body.entryId).toBeUndefined();
    });

    it('audits every change with the key prefix and ids, never the texts', async () => {
      const kb = await newKb('audit');
      await kb.create(CARD);
      await kb.put(CARD.id, { ...CARD, answer: 'changed' });
      await kb.remove(CARD.id);
      await kb.import(toNdjson([CARD]), NDJSON);
      const audit = apps.worker.app.get(AuditRepository);
      // The audit trail is written by the worker from a queue: wait for it.
      let kbRows: Record<string, any>[] = [];
      for (let i = 0; i < 50 && kbRows.length < 4; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        kbRows = (await audit.listRecent(kb.tenantId, 20)).filter((r) => r.kind === 'kb');
      }
      expect(kbRows.map((r) => r.action).sort()).toEqual(['kb.create', 'kb.delete', 'kb.import', 'kb.update']);
      const prefix = kb.apiKey.split('_')[1];
      for (const row of kbRows) expect(row.actor).toBe(prefix);
      expect(kbRows.find((r) => r.action === 'kb.import')?.detail).toMatchObject({ mode: 'upsert', format: 'ndjson', imported: 1, created: 1 });
      expect(JSON.stringify(kbRows)).not.toContain(CARD.answer);
      expect(JSON.stringify(kbRows)).not.toContain(CARD.question);
    });
  });

  describe('bulk import and export', () => {
    it('imports NDJSON (similar_questions accepted) and reports what it created and updated', async () => {
      const kb = await newKb('ndjson');
      await kb.create({ ...CARD, answer: 'old answer' });
      const file =
        '\uFEFF' +
        JSON.stringify({ ...CARD }) + '\r\n' +
        '\n' +
        JSON.stringify({ id: 'lost-card', question: '银行卡丢了怎么挂失?', similar_questions: ['卡丢了怎么办'], answer: '请立即挂失。' }) + '\n' +
        JSON.stringify({ question: 'No id here?', answer: 'An id is generated.' }) + '\n';
      const res = await kb.import(file, `${NDJSON}; charset=utf-8`);
      expect(res).toMatchObject({ status: 200, body: { imported: 3, created: 2, updated: 1, unchanged: 0, deleted: 0 } });
      const all = await kb.all();
      expect(all).toHaveLength(3);
      expect(all.find((e) => e.id === CARD.id)).toEqual(CARD);
      expect(all.find((e) => e.id === 'lost-card')).toEqual({ id: 'lost-card', question: '银行卡丢了怎么挂失?', similarQuestions: ['卡丢了怎么办'], answer: '请立即挂失。', tags: [] });
      // The same file again changes nothing.
      expect((await kb.import(toNdjson(all), NDJSON)).body).toMatchObject({ imported: 3, created: 0, updated: 0, unchanged: 3 });
    });

    it("imports the demo tenant's FAQ file shipped in seed/ as it is", async () => {
      const kb = await newKb('seed-file');
      const file = readFileSync(new URL('../seed/demo-bank.faq.jsonl', import.meta.url), 'utf8');
      const lines = file.split('\n').filter((line) => line.trim()).length;
      expect(await kb.import(file, NDJSON)).toMatchObject({ status: 200, body: { imported: lines, created: lines } });
    });

    it('imports CSV with quoted commas, quotes and line breaks, and list cells split on |', async () => {
      const kb = await newKb('csv');
      const file = [
        'id,question,answer,similarQuestions,tags',
        'fees,"Fees, charges and ""hidden"" costs?","Line one,',
        'line two',
        'line three",fee list|what does it cost|pipe \\| inside,pricing|fees',
        ',Generated id?,Yes.,,',
        '',
      ].join('\r\n');
      const res = await kb.import(file, `${CSV}; charset=utf-8`);
      expect(res).toMatchObject({ status: 200, body: { imported: 2, created: 2 } });
      const fees = await kb.get('fees');
      expect(fees.body).toMatchObject({
        question: 'Fees, charges and "hidden" costs?',
        answer: 'Line one,\r\nline two\r\nline three',
        similarQuestions: ['fee list', 'what does it cost', 'pipe | inside'],
        tags: ['pricing', 'fees'],
      });
      const generated = (await kb.all()).find((e) => e.id !== 'fees');
      expect(generated).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), question: 'Generated id?', answer: 'Yes.', similarQuestions: [], tags: [] });
    });

    it('mode=replace makes the knowledge base exactly the file', async () => {
      const kb = await newKb('replace');
      await kb.import(toNdjson(generatedEntries(5, 'old')), NDJSON);
      const file = [...generatedEntries(2, 'old'), ...generatedEntries(2, 'new')];
      const res = await kb.import(toNdjson(file), NDJSON, 'replace');
      expect(res).toMatchObject({ status: 200, body: { imported: 4, created: 2, updated: 0, unchanged: 2, deleted: 3 } });
      expect(await kb.all()).toEqual([...file].sort((x, y) => x.id.localeCompare(y.id)));
    });

    it.each([['ndjson'], ['csv']] as const)('export (%s) imported into another tenant gives the same entries', async (format) => {
      const source = await newKb('exp');
      const tricky = [...TRICKY_ENTRIES, ...generatedEntries(1200, 'bulk')];
      expect((await source.import(toNdjson(tricky), NDJSON)).status).toBe(200);
      const exported = await source.export(format);
      expect(exported.status).toBe(200);
      expect(exported.contentType).toContain(format === 'csv' ? 'text/csv' : 'application/x-ndjson');
      const target = await newKb('imp');
      const imported = await target.import(exported.text, format === 'csv' ? CSV : NDJSON);
      expect(imported).toMatchObject({ status: 200, body: { imported: tricky.length, created: tricky.length } });
      expect(await target.all()).toEqual(await source.all());
      expect((await target.export(format)).text).toBe(exported.text);
    });

    it('rejects a file with a bad line as a whole, naming every bad line, and changes nothing', async () => {
      const kb = await newKb('reject');
      await kb.import(toNdjson(generatedEntries(3, 'keep')), NDJSON);
      const before = await kb.all();
      const lines = [
        JSON.stringify({ id: 'n1', question: 'q1', answer: 'a1' }),
        JSON.stringify({ id: 'keep-00000', question: 'changed', answer: 'changed' }),
        '{"id": "n3", "question": "q3", "answer": ',
        JSON.stringify({ id: 'n4', question: 'q4', answer: 'a4' }),
        JSON.stringify({ id: 'n5', question: 'q5' }),
      ];
      for (const mode of ['upsert', 'replace'] as const) {
        const res = await kb.import(lines.join('\n') + '\n', NDJSON, mode);
        expect(res).toMatchObject({ status: 400, body: { code: 'KB_IMPORT_INVALID', details: { totalErrors: 2, omittedErrors: 0 } } });
        const errors = (res.body.details as { errors: Record<string, unknown>[] }).errors;
        expect(errors).toEqual([
          { line: 3, message: expect.stringContaining('invalid JSON') },
          { line: 5, field: 'answer', message: 'answer is required' },
        ]);
      }
      expect(await kb.all()).toEqual(before);
    });

    it('names CSV lines as in the file, duplicate ids and unknown fields', async () => {
      const kb = await newKb('csv-err');
      const csv = [
        'id,question,answer',
        'x1,"multi',
        'line question",ok',
        'x2,q2,',
        'x1,dup,a',
        'x3,too,many,fields',
      ].join('\n');
      const res = await kb.import(csv, CSV);
      expect(res.status).toBe(400);
      expect((res.body.details as { errors: unknown[] }).errors).toEqual([
        { line: 4, field: 'answer', message: 'answer must not be blank' },
        { line: 5, field: 'id', message: 'duplicate id "x1" (first on line 2)' },
        { line: 6, message: expect.stringContaining('expected 3 fields, found 4') },
      ]);
      const ndjson = [JSON.stringify({ question: 'q', answer: 'a', extra: 1 }), '[1,2]', JSON.stringify({ id: 'bad id', question: 'q', answer: 'a' })].join('\n');
      expect((await kb.import(ndjson, NDJSON)).body).toMatchObject({
        code: 'KB_IMPORT_INVALID',
        details: { errors: [{ line: 1, field: 'extra' }, { line: 2, message: 'entry must be a JSON object' }, { line: 3, field: 'id' }] },
      });
      expect((await kb.import('id,question,answer\nx,"never closed,a\n', CSV)).body).toMatchObject({ details: { errors: [{ line: 2, message: expect.stringContaining('not closed') }] } });
      expect((await kb.import('', NDJSON)).body).toMatchObject({ code: 'KB_IMPORT_INVALID', details: { errors: [{ line: 1, message: 'the file holds no entries' }] } });
      expect(await kb.all()).toEqual([]);
    });

    it('caps the listed errors at 100 and says how many more there are', async () => {
      const kb = await newKb('many');
      const res = await kb.import(Array.from({ length: 150 }, () => '{}').join('\n'), NDJSON);
      expect(res.status).toBe(400);
      const details = res.body.details as { errors: unknown[]; totalErrors: number; omittedErrors: number };
      expect(details.errors).toHaveLength(100);
      expect(details).toMatchObject({ totalErrors: 300, omittedErrors: 200 });
    });

    it('imports 10,000 entries in one call, and the chat answers from them', async () => {
      // The first turn builds the 10,000-entry index: give it time on a busy test machine.
      const kb = await newKb('big', { answerDeadlineMs: 15_000 });
      const entries = generatedEntries(10_000, 'big');
      // One entry unlike the other, near-identical ones, for the chat to find among them.
      entries[4321] = { id: 'big-04321', question: 'Can I freeze my saffron debit card while abroad?', similarQuestions: [], answer: 'Yes, in the app under Cards.', tags: [] };
      const file = toNdjson(entries);
      const started = performance.now();
      const res = await kb.import(file, NDJSON);
      const importMs = Math.round(performance.now() - started);
      expect(res).toMatchObject({ status: 200, body: { imported: 10_000, created: 10_000 } });
      const again = performance.now();
      expect((await kb.import(file, NDJSON, 'replace')).body).toMatchObject({ unchanged: 10_000, deleted: 0 });
      const reimportMs = Math.round(performance.now() - again);
      const exportStarted = performance.now();
      const exported = await kb.export();
      const exportMs = Math.round(performance.now() - exportStarted);
      expect(exported.text).toBe(file);

      const token = await apps.api.token(kb.apiKey, 'big-user');
      const turn = await apps.api.chat(token, 'Can I freeze my saffron debit card while abroad?');
      expect(turn.body).toMatchObject({ source: 'kb', entryId: 'big-04321' });
      console.log(
        `10,000-entry import (${(file.length / 1e6).toFixed(1)} MB): ${importMs} ms; same file again (replace): ${reimportMs} ms; ` +
          `export: ${exportMs} ms; first chat turn (builds the index): ${Math.round(turn.ms)} ms`,
      );
      const over = toNdjson(generatedEntries(10_001, 'over'));
      expect(await kb.import(over, NDJSON)).toMatchObject({ status: 400, body: { code: 'KB_IMPORT_INVALID', details: { errors: [{ line: 10_001 }] } } });
    }, 60_000);

    it('refuses a body over the import limit with 413, and keeps the global limit elsewhere', async () => {
      const kb = await newKb('limit');
      const line = JSON.stringify({ question: 'q', answer: 'x'.repeat(9000) }) + '\n';
      const huge = line.repeat(Math.ceil((21 * 1024 * 1024) / line.length));
      expect(await kb.import(huge, NDJSON)).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
      // 70 KB of JSON is over the global 64 KB limit on every other route.
      expect(await kb.create({ question: 'q', answer: 'x'.repeat(70_000) })).toMatchObject({ status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } });
      expect(await kb.all()).toEqual([]);
    });

    it.each([
      ['JSON to the import', (kb: KbClient) => kb.import(JSON.stringify(CARD), 'application/json')],
      ['plain text to the import', (kb: KbClient) => kb.import('hello', 'text/plain')],
      ['no content type to the import', (kb: KbClient) => http(`${kb.baseUrl}/v1/kb/import`, { token: kb.apiKey, raw: 'x', headers: { 'content-type': '' } })],
      ['a bodiless request to the import', (kb: KbClient) => http(`${kb.baseUrl}/v1/kb/import`, { method: 'POST', token: kb.apiKey })],
      ['CSV to a JSON route', (kb: KbClient) => http(`${kb.baseUrl}/v1/kb/entries`, { token: kb.apiKey, raw: 'id,question,answer\nx,q,a\n', headers: { 'content-type': CSV } })],
      ['NDJSON to the chat', (kb: KbClient) => http(`${kb.baseUrl}/v1/chat`, { token: kb.apiKey, raw: '{"query":"hi"}\n', headers: { 'content-type': NDJSON } })],
    ])('refuses %s with 415', async (_name, send) => {
      const kb = await newKb('type');
      expect(await send(kb)).toMatchObject({ status: 415, body: { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' } });
    });

    it('refuses a body that is not UTF-8 text', async () => {
      const kb = await newKb('utf8');
      const latin1 = Buffer.from('id,question,answer\nx,caf\xe9,a\n', 'latin1');
      const res = await fetch(`${apps.gateway.url}/v1/kb/import`, { method: 'POST', headers: { authorization: `Bearer ${kb.apiKey}`, 'content-type': CSV }, body: latin1 });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: 'request body is not valid UTF-8 text' });
    });

    it('refuses an unknown import mode or export format', async () => {
      const kb = await newKb('modes');
      expect(await http(`${apps.gateway.url}/v1/kb/import?mode=merge`, { token: kb.apiKey, raw: toNdjson([CARD]), headers: { 'content-type': NDJSON } })).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
      expect((await kb.export('xml' as 'csv')).status).toBe(400);
      expect(await kb.all()).toEqual([]);
    });
  });
});
