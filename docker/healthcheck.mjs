// Docker HEALTHCHECK for the Fengda image (copied to /usr/local/lib/fengda/healthcheck.mjs).
//
// One image runs either app, so the port is chosen at check time:
//   1. HEALTHCHECK_PORT, if set;
//   2. otherwise WORKER_PORT (default 3001) when the container runs the NLP worker, detected
//      from PID 1's command line (tini -- node dist/apps/nlp-worker/src/main.js);
//   3. otherwise PORT (default 3000): the gateway.
// Exits 0 when GET /health/live answers 2xx within the timeout, 1 otherwise.
// Kubernetes ignores HEALTHCHECK; the probes in docker/k8s are used there.
import { readFileSync } from 'node:fs';

const runsWorker = () => {
  try {
    return readFileSync('/proc/1/cmdline', 'utf8').includes('nlp-worker');
  } catch {
    return false;
  }
};

const port =
  process.env.HEALTHCHECK_PORT ||
  (runsWorker() ? process.env.WORKER_PORT || '3001' : process.env.PORT || '3000');
const path = process.env.HEALTHCHECK_PATH || '/health/live';
const url = `http://127.0.0.1:${port}${path}`;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) {
    console.error(`healthcheck: ${url} -> HTTP ${res.status}`);
    process.exit(1);
  }
  process.exit(0);
} catch (err) {
  console.error(`healthcheck: ${url} -> ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
