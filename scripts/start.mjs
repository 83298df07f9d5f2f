// `npm start`: one command from a fresh checkout to a running Fengda.
//
// Makes sure Postgres and Redis are up, builds, migrates, seeds the demo tenant, then runs the
// gateway and the NLP worker as supervised child processes until Ctrl-C. Plain ESM JavaScript
// because it has to run before the TypeScript build exists.
//
// Their JSON log lines go to .run/logs/*.log; only warnings and errors reach the terminal, so the
// banner with the demo credentials stays readable.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import { ensureDatabase, ensurePostgres, ensureRedis } from './ensure-services.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUN_DIR = path.join(REPO_ROOT, '.run');
const LOG_DIR = path.join(RUN_DIR, 'logs');
const JWT_SECRET_FILE = path.join(RUN_DIR, 'jwt-secret');

const TOTAL_STEPS = 9;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000; // grace period before SIGKILL
const TAIL_LINES = 20;

/** pino numeric levels; anything ≥ WARN is echoed to the terminal. */
const WARN_LEVEL = 40;
const LEVEL_NAMES = { 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

const APPS = [
  { name: 'gateway', entry: 'dist/apps/gateway/src/main.js', portVar: 'PORT' },
  { name: 'worker', entry: 'dist/apps/nlp-worker/src/main.js', portVar: 'WORKER_PORT' },
];

// ---------------------------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------------------------

function step(n, text) {
  console.log(`[start] (${n}/${TOTAL_STEPS}) ${text}`);
}

function info(text) {
  console.log(`[start] ${text}`);
}

function problem(text) {
  console.error(`[start] ✖ ${text}`);
}

/** Quote for POSIX shells, so pasted commands survive any character in a key. */
function shellQuote(s) {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Errors meant for the user: printed without a stack trace. */
class StartError extends Error {}

// ---------------------------------------------------------------------------------------------
// Step 1: configuration
// ---------------------------------------------------------------------------------------------

/**
 * A stable dev JWT secret: generated once and kept in .run/jwt-secret, so end-user tokens keep
 * working across restarts. 'wx' makes two simultaneous first starts agree on a single secret.
 */
function loadOrCreateJwtSecret() {
  fs.mkdirSync(RUN_DIR, { recursive: true });
  try {
    fs.writeFileSync(JWT_SECRET_FILE, randomBytes(48).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
  const secret = fs.readFileSync(JWT_SECRET_FILE, 'utf8').trim();
  if (!secret) throw new StartError(`${JWT_SECRET_FILE} is empty; delete it to generate a new secret`);
  return secret;
}

/** Everything the children need, with development defaults. Passed to every child process. */
function resolveConfig() {
  const env = process.env;
  // The apps connect as the unprivileged fengda_app role (row-level security); migrations and
  // the demo seed run as the schema owner, which creates that role.
  const databaseUrl = env.DATABASE_URL || 'postgres://fengda_app@127.0.0.1:5432/fengda';
  const config = {
    DATABASE_URL: databaseUrl,
    MIGRATION_DATABASE_URL: env.MIGRATION_DATABASE_URL || (env.DATABASE_URL ? databaseUrl : 'postgres://postgres@127.0.0.1:5432/fengda'),
    REDIS_URL: env.REDIS_URL || 'redis://127.0.0.1:6379/0',
    PORT: env.PORT || '3000',
    WORKER_PORT: env.WORKER_PORT || '3001',
    ADMIN_TOKEN: env.ADMIN_TOKEN || 'dev-admin-token',
    JWT_SECRET: env.JWT_SECRET || loadOrCreateJwtSecret(),
    NODE_ENV: env.NODE_ENV || 'development',
    LOG_LEVEL: env.LOG_LEVEL || 'info',
  };
  for (const name of ['PORT', 'WORKER_PORT']) {
    const port = Number(config[name]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StartError(`${name}=${config[name]} is not a valid port`);
  }
  if (config.PORT === config.WORKER_PORT) throw new StartError(`PORT and WORKER_PORT are both ${config.PORT}; they must differ`);
  return config;
}

/** Host:port of a postgres URL, to tell whether two URLs point at the same server. */
function serverKey(url) {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}`;
}

// ---------------------------------------------------------------------------------------------
// Child processes (every child is tracked so a signal or a crash can clean all of them up)
// ---------------------------------------------------------------------------------------------

const children = new Set();

function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Run a one-shot command with the terminal attached; rejects with a readable message on failure. */
function runToCompletion(label, cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: 'inherit' }));
    child.once('error', (err) => reject(new StartError(`${label}: could not run ${cmd}: ${err.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new StartError(`${label} failed (${signal ? `signal ${signal}` : `exit code ${code}`}); see the output above`));
    });
  });
}

/**
 * Run the seed script. Its last stdout line is a JSON summary for us; every other line is for the
 * user. We hold back one line at a time so the summary is never printed raw.
 */
function runSeed(env) {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, ['dist/scripts/seed-demo.js'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] }),
    );
    let pending = null;
    const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (!line.trim()) return;
      if (pending !== null) console.log(pending);
      pending = line;
    });
    child.once('error', (err) => reject(new StartError(`seed: could not run node: ${err.message}`)));
    child.once('close', (code, signal) => {
      if (code !== 0) {
        if (pending !== null) console.log(pending);
        return reject(new StartError(`seed failed (${signal ? `signal ${signal}` : `exit code ${code}`}); see the output above`));
      }
      try {
        const summary = JSON.parse(pending ?? '');
        if (!summary.tenantId || !summary.apiKey) throw new Error('tenantId or apiKey missing');
        resolve(summary);
      } catch (err) {
        if (pending !== null) console.log(pending);
        reject(new StartError(`seed did not end with a JSON summary line {"tenantId","apiKey","entries"} (${err.message})`));
      }
    });
  });
}

/** Free = we can bind it ourselves on loopback (on Linux this also catches a 0.0.0.0 listener). */
function checkPortFree(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err) => {
      if (err.code === 'EADDRINUSE') resolve(false);
      else reject(new StartError(`cannot use port ${port}: ${err.message}`));
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Print one app log line to the terminal if it deserves attention; null if it goes to the file only. */
function terminalLine(name, line, fromStderr) {
  let record;
  try {
    record = JSON.parse(line);
  } catch {
    // Non-JSON on stderr is Node itself talking (uncaught exception, warnings): always show it.
    return fromStderr ? `[${name}] ${line}` : null;
  }
  if (typeof record?.level !== 'number' || record.level < WARN_LEVEL) return null;
  // Drop the fields every line has; what is left is the useful context.
  const { level, time: _time, pid: _pid, hostname: _hostname, msg, err, ...context } = record;
  const extra = Object.keys(context).length ? ` ${JSON.stringify(context)}` : '';
  const stack = err?.stack ? `\n${err.stack.replace(/^/gm, '    ')}` : err ? ` ${JSON.stringify(err)}` : '';
  return `[${name}] ${LEVEL_NAMES[level] ?? `LEVEL ${level}`} ${msg ?? ''}${extra}${stack}`;
}

/** Start one long-running app; its output is appended to its log file and kept in a small ring buffer. */
function startApp(app, env) {
  const logFile = path.join(LOG_DIR, `${app.name}.log`);
  const logStream = fs.createWriteStream(logFile, { flags: 'a' });
  const recent = [];
  // detached = own process group, so a terminal Ctrl-C reaches only us and each app gets exactly one
  // SIGTERM from shutdown(). (NestJS drops its signal handlers on the first signal; a second one, e.g.
  // the terminal's SIGINT followed by our SIGTERM, would kill it in the middle of a graceful stop.)
  const child = track(
    spawn(process.execPath, [app.entry], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true }),
  );

  // A marker in the log's own format, so separate runs are easy to tell apart in one file.
  logStream.write(`${JSON.stringify({ level: 30, time: Date.now(), pid: child.pid, msg: `--- started by scripts/start.mjs ---` })}\n`);

  const consume = (stream, fromStderr) => {
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      logStream.write(`${line}\n`);
      recent.push(line);
      if (recent.length > TAIL_LINES) recent.shift();
      const shown = terminalLine(app.name, line, fromStderr);
      if (shown) console.error(shown);
    });
  };
  consume(child.stdout, false);
  consume(child.stderr, true);

  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // 'close' = all output drained; needed before printing the last lines of a crashed app.
  const drained = new Promise((resolve) => child.once('close', resolve));
  child.once('error', (err) => problem(`${app.name}: could not start: ${err.message}`));
  return { ...app, child, logFile, logStream, recent, exited, drained };
}

function printRecent(app) {
  console.error(`[start] last ${app.recent.length} log lines of ${app.name} (${app.logFile}):`);
  for (const line of app.recent) console.error(`  ${line}`);
}

/** SIGTERM, then SIGKILL if it has not exited within the grace period. */
async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    problem(`pid ${child.pid} did not stop within ${STOP_TIMEOUT_MS / 1000} s; killing it`);
    child.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// Shutdown: exactly one path out, whatever triggers it (signal, crash, failed step)
// ---------------------------------------------------------------------------------------------

const apps = [];
let stopping = null;

function shutdown(exitCode) {
  if (stopping) return stopping;
  stopping = (async () => {
    await Promise.all([...children].map(stopChild));
    // Let the last log lines reach the files before we exit.
    await Promise.all(apps.map((app) => Promise.race([app.drained, new Promise((r) => setTimeout(r, 1_000))])));
    await Promise.all(apps.map((app) => new Promise((resolve) => app.logStream.end(resolve))));
    process.exit(exitCode);
  })();
  return stopping;
}

function onSignal(signal) {
  if (stopping) {
    // Second Ctrl-C: the user does not want to wait for a graceful stop.
    problem(`${signal} again: killing child processes now`);
    for (const child of children) child.kill('SIGKILL');
    process.exit(1);
  }
  info(`${signal} received: stopping (Ctrl-C again to force)…`);
  shutdown(0);
}

process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// Last resort if this script dies of a bug: never leave orphaned apps holding the ports.
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function watchForCrash(app) {
  app.exited.then(async ({ code, signal }) => {
    if (stopping) return;
    problem(`${app.name} exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`);
    await Promise.race([app.drained, new Promise((r) => setTimeout(r, 1_000))]);
    printRecent(app);
    shutdown(1);
  });
}

// ---------------------------------------------------------------------------------------------
// Step 8: readiness
// ---------------------------------------------------------------------------------------------

async function isReady(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/** Resolves true once every URL answers 200, false on timeout. */
async function waitUntilReady(targets) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pending = new Set(targets);
  while (pending.size > 0 && Date.now() < deadline && !stopping) {
    for (const target of [...pending]) {
      if (await isReady(target.url)) {
        info(`${target.name} ready (${target.url})`);
        pending.delete(target);
      }
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
  }
  return pending.size === 0;
}

// ---------------------------------------------------------------------------------------------
// Step 9: banner
// ---------------------------------------------------------------------------------------------

function chatCommand(baseUrl, apiKey, query) {
  const auth = shellQuote(`Authorization: Bearer ${apiKey}`);
  const body = shellQuote(JSON.stringify({ query }));
  return (
    `TOKEN=$(curl -s -X POST ${baseUrl}/v1/auth/token -H ${auth} -H 'Content-Type: application/json' ` +
    `-d '{"userId":"demo-user"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/') && ` +
    `curl -s -X POST ${baseUrl}/v1/chat -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d ${body}`
  );
}

function printBanner(config, seed, gateway, worker) {
  const base = `http://localhost:${config.PORT}`;
  const lines = [
    '',
    '  Fengda is running.',
    '',
    `  Gateway            ${base}`,
    `  Web chat           ${base}/`,
    `  Swagger UI         ${base}/docs`,
    `  OpenAPI JSON       ${base}/docs-json`,
    `  Worker health      http://localhost:${config.WORKER_PORT}/health/ready`,
    '',
    `  Logs               ${gateway.logFile}`,
    `                     ${worker.logFile}`,
    '',
    `  Admin token        ${config.ADMIN_TOKEN}`,
    `  Demo tenant        ${seed.tenantId}${seed.entries !== undefined ? ` (${seed.entries} knowledge entries)` : ''}`,
    `  Demo API key       ${seed.apiKey}`,
    '',
    '  Try it (get an end-user token, then ask one question):',
    '',
    `    ${chatCommand(base, seed.apiKey, 'How do I reset my online banking password?')}`,
    '',
    `    ${chatCommand(base, seed.apiKey, '信用卡账单可以分期吗?')}`,
    '',
    '  Press Ctrl-C to stop.',
    '',
  ];
  console.log(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main() {
  step(1, 'resolving configuration');
  const config = resolveConfig();
  const env = { ...process.env, ...config };

  step(2, 'checking PostgreSQL and Redis');
  // The migration URL is the privileged one; the app role in DATABASE_URL may not exist until migrated.
  await ensurePostgres(config.MIGRATION_DATABASE_URL);
  if (serverKey(config.DATABASE_URL) !== serverKey(config.MIGRATION_DATABASE_URL)) await ensurePostgres(config.DATABASE_URL);
  await ensureRedis(config.REDIS_URL);
  await ensureDatabase(config.MIGRATION_DATABASE_URL);

  step(3, 'building (npm run build)');
  await runToCompletion('build', 'npm', ['run', '-s', 'build'], env);

  step(4, 'applying database migrations');
  await runToCompletion('migrate', process.execPath, ['dist/scripts/migrate.js'], env);

  step(5, 'seeding the demo tenant');
  const seed = await runSeed(env);

  step(6, `checking ports ${config.PORT} and ${config.WORKER_PORT} are free`);
  for (const name of ['PORT', 'WORKER_PORT']) {
    if (!(await checkPortFree(Number(config[name])))) {
      throw new StartError(`port ${config[name]} is in use — is Fengda already running? Set ${name}=… to use another port`);
    }
  }

  step(7, `starting gateway and worker (logs in ${path.relative(process.cwd(), LOG_DIR) || LOG_DIR})`);
  fs.mkdirSync(LOG_DIR, { recursive: true });
  for (const app of APPS) {
    const running = startApp(app, env);
    apps.push(running);
    watchForCrash(running);
  }
  const [gateway, worker] = apps;

  step(8, 'waiting for the apps to become ready');
  const ready = await waitUntilReady([
    { name: 'gateway', url: `http://127.0.0.1:${config.PORT}/health/ready` },
    { name: 'worker', url: `http://127.0.0.1:${config.WORKER_PORT}/health/ready` },
  ]);
  if (stopping) return; // an app crashed meanwhile; its handler is already shutting down
  if (!ready) {
    problem(`the apps did not become ready within ${READY_TIMEOUT_MS / 1000} s`);
    apps.forEach(printRecent);
    return shutdown(1);
  }

  step(9, 'ready');
  printBanner(config, seed, gateway, worker);
  // Stay in the foreground: the signal handlers and crash watchers decide when we exit.
}

main().catch((err) => {
  if (stopping) return; // a signal interrupted a step; shutdown() owns the exit code
  problem(err instanceof StartError || err?.name === 'ServiceError' ? err.message : err?.stack || String(err));
  shutdown(1);
});
