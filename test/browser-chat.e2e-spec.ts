import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createGatewayApp } from '../apps/gateway/src/bootstrap.js';
import { KnowledgeService } from '#knowledge';
import { createLogger } from '#observability';
import { ADMIN_TOKEN, startGateway, startWorker, testConfig, type RunningApp } from './support/test-apps.js';
import { http } from './support/api-client.js';
import { BANK_FAQ } from './support/bank-faq.js';

// These tests are about the channel, not the deadline: a first turn on a busy machine may be slow.
const ROOMY = { answerDeadlineMs: 10_000 };

const RESULTS = path.resolve('test-results');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Runs scripts/ensure-chromium.mjs (installs Debian's chromium when missing); fails loudly if it cannot. */
const ensureChromium = (): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/ensure-chromium.mjs'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      process.stderr.write(chunk);
    });
    child.once('close', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`the browser test needs Chromium, and scripts/ensure-chromium.mjs could not provide it:\n${err}`)),
    );
  });

describe('web chat page in headless Chromium', () => {
  let gateway: RunningApp;
  let worker: RunningApp;
  let browser: Browser;
  let port: number;

  beforeAll(async () => {
    const executablePath = await ensureChromium();
    gateway = await startGateway();
    worker = await startWorker();
    port = Number(new URL(gateway.url).port);
    // The page's /demo/token needs a tenant "demo-bank"; this run's database has none yet.
    const created = await http(`${gateway.url}/v1/admin/tenants`, { token: ADMIN_TOKEN, body: { id: 'demo-bank', name: 'Demo Bank', config: ROOMY } });
    if (created.status !== 201 && created.status !== 409) throw new Error(`demo tenant: ${created.status} ${JSON.stringify(created.body)}`);
    await worker.app.get(KnowledgeService).upsertMany('demo-bank', BANK_FAQ);
    // Playwright gives every launch a fresh temporary profile (user data dir).
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    mkdirSync(RESULTS, { recursive: true });
  }, 20 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await worker?.close();
  });

  const ask = async (page: Page, question: string): Promise<void> => {
    await page.fill('#input', question);
    await page.press('#input', 'Enter');
  };

  it('chats over the WebSocket on a phone-sized screen, with a source badge, and resumes after a gateway restart', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 760 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      // Reconnect attempts while the gateway is down are expected to fail.
      if (message.type() === 'error' && !/WebSocket connection to .* failed/.test(message.text())) problems.push(message.text());
    });

    const res = await page.goto(`${gateway.url}/`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.waitForSelector('#status[data-state="online"]', { timeout: 10_000 });

    await ask(page, '信用卡账单可以分期吗?');
    const first = page.locator('li.msg--bot[data-seq="1"]');
    await first.waitFor({ timeout: 10_000 });
    expect(await first.locator('.badge').textContent()).toBe('KB');
    expect(await first.locator('.msg__text').textContent()).toContain('12期');
    await ask(page, 'What are your branch opening hours?');
    await page.locator('li.msg--bot[data-seq="2"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(RESULTS, 'chat-page.png') });

    // The gateway restarts (sockets closed with 1012); a question typed meanwhile waits, and is
    // sent once the page has reconnected and resumed.
    await gateway.close();
    await page.waitForSelector('#status[data-state="offline"]', { timeout: 5_000 });
    await ask(page, '银行卡丢了怎么挂失?');
    const restarted = await createGatewayApp({ config: testConfig(), logger: createLogger({ level: 'warn', app: 'gateway' }) });
    await restarted.listen({ port, host: '127.0.0.1' });
    gateway = { app: restarted, url: gateway.url, close: () => restarted.close() };
    const third = page.locator('li.msg--bot[data-seq="3"]');
    await third.waitFor({ timeout: 20_000 });
    expect(await third.locator('.badge').textContent()).toBe('KB');
    expect(await third.locator('.msg__text').textContent()).toContain('挂失');
    expect(await page.locator('li.msg--bot').count()).toBe(3);

    // A reload shows the conversation again, from history.
    await page.reload();
    await page.locator('li.msg--bot[data-seq="3"]').waitFor({ timeout: 10_000 });
    expect(await page.locator('li.msg--user').count()).toBe(3);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('fits a desktop window too', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${gateway.url}/`);
    await page.waitForSelector('#status[data-state="online"]', { timeout: 10_000 });
    await ask(page, '跨行转账收费吗?');
    const answer = page.locator('li.msg--bot[data-source]').last();
    await answer.waitFor({ timeout: 10_000 });
    expect(await answer.locator('.badge').textContent()).toBe('KB');
    const box = await page.locator('main.chat').boundingBox();
    expect(box!.width).toBeLessThanOrEqual(760);
    await page.screenshot({ path: path.join(RESULTS, 'chat-page-desktop.png') });
    await page.close();
  }, 30_000);
});
