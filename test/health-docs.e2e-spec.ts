import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DrainState } from '#health';
import { http } from './support/api-client.js';
import { startGateway, startWorker, type RunningApp } from './support/test-apps.js';

describe('probes and API documentation', () => {
  let gateway: RunningApp;
  let worker: RunningApp;

  beforeAll(async () => {
    gateway = await startGateway();
    worker = await startWorker();
  });

  afterAll(async () => {
    await gateway?.close();
    await worker?.close();
  });

  it.each([['gateway'], ['worker']])('%s: liveness and readiness (Postgres, Redis, queue)', async (which) => {
    const app = which === 'gateway' ? gateway : worker;
    expect(await http(`${app.url}/health/live`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await http(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' }, queue: { status: 'up' } } });
  });

  it('readiness turns false while draining; liveness stays up', async () => {
    const draining = await startGateway();
    draining.app.get(DrainState).begin();
    const ready = await http(`${draining.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'error', error: { drain: { status: 'down' } } });
    expect((await http(`${draining.url}/health/live`)).status).toBe(200);
    await draining.close();
  });

  it('serves Swagger UI and an OpenAPI document describing every route, response and error', async () => {
    const ui = await fetch(`${gateway.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
    const { body } = await http<any>(`${gateway.url}/docs-json`);
    const paths = Object.keys(body.paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/admin/tenants', '/v1/admin/tenants/{id}', '/v1/admin/tenants/{id}/api-keys', '/v1/admin/tenants/{id}/api-keys/{keyId}',
        '/v1/auth/token', '/v1/chat', '/v1/conversations/{userId}',
      ]),
    );
    const chat = body.paths['/v1/chat'].post;
    expect(Object.keys(chat.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '413']));
    expect(body.components.schemas.ChatResponseDto.properties.source.enum).toEqual(['kb', 'llm', 'fallback', 'handoff']);
    expect(body.components.schemas.ChatRequestDto.properties.query.example).toBeTruthy();
    expect(body.components.schemas.ErrorResponseDto.properties.code.example).toBe('VALIDATION_FAILED');
  });
});
