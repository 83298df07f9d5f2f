import { afterAll, beforeAll } from '@jest/globals';
import { FengdaClient } from './api-client.js';
import { startGateway, startWorker, type AppOptions, type RunningApp } from './test-apps.js';

/** The gateway and the worker of one describe block, and a client of the gateway. */
export interface Apps {
  gateway: RunningApp;
  worker: RunningApp;
  api: FengdaClient;
}

/**
 * Boots the real gateway and worker (in this process, over real HTTP) before the block's tests — and before the
 * block's own beforeAll hooks declared after this call — and closes both after them. The object's fields are set by
 * the time those hooks run.
 */
export const useApps = (options: { gateway?: AppOptions; worker?: AppOptions } = {}): Apps => {
  const apps = {} as Apps;
  beforeAll(async () => {
    apps.gateway = await startGateway(options.gateway);
    apps.worker = await startWorker(options.worker);
    apps.api = new FengdaClient(apps.gateway.url);
  });
  afterAll(async () => {
    await apps.gateway?.close();
    await apps.worker?.close();
  });
  return apps;
};
