// Makes sure the PostgreSQL and Redis servers Fengda needs are running, and that its database exists.
//
// Plain ESM JavaScript on purpose: it runs before the TypeScript build (from `npm start`, from test
// set-up, or by hand as `node scripts/ensure-services.mjs`), so it may only use Node built-ins,
// `pg` and `ioredis`.
//
// Rules it follows:
//  * A server that already answers is never touched (no restarts, no config changes).
//  * Only servers on this machine (127.0.0.1 / localhost / ::1) are started; a remote server that
//    cannot be reached is an error with a clear message, because there is nothing we can do about it.
//  * Packages are installed only when the software is missing entirely, and only with root or
//    passwordless sudo and apt-get. We never weaken authentication on an installation we did not
//    create ourselves.
//  * Every network call and child process has a timeout, so this can fail but can never hang.
//  * Several processes (parallel test workers, two terminals) may call it at once: starting and
//    installing happen under a per-port lock file, and every step tolerates losing a race.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import pg from 'pg';
import { Redis } from 'ioredis';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/fengda';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';

const PROBE_TIMEOUT_MS = 2_000; // one connection attempt
const READY_TIMEOUT_MS = 30_000; // how long a freshly started server gets to accept connections
const POLL_INTERVAL_MS = 500;
const COMMAND_TIMEOUT_MS = 60_000; // pg_ctlcluster, pg_createcluster, ...
const INSTALL_TIMEOUT_MS = 15 * 60_000; // apt-get can legitimately be slow
const LOCK_TIMEOUT_MS = INSTALL_TIMEOUT_MS + 60_000; // a waiter must outlast an install
const HBA_MARKER = '# added by fengda scripts/ensure-services.mjs';

// ---------------------------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Progress goes to stderr so a caller's stdout (e.g. the CLI summary) stays machine-friendly. */
function log(message) {
  process.stderr.write(`[services] ${message}\n`);
}

/** Error whose message is meant to be shown to a person as-is (no stack needed). */
class ServiceError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** URL hostnames keep IPv6 brackets ("[::1]"); clients and comparisons want the bare address. */
function bareHost(hostname) {
  return hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Only these can be started by us: anything else is somebody else's machine. */
export function isLocalHost(host) {
  const h = bareHost(host || '').toLowerCase();
  return h === '' || h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** "host:port" for log lines; never includes credentials. */
const where = ({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Parse a postgres:// URL into the pieces we need; keeps the URL object for re-targeting. */
function parsePostgresUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new ServiceError(`invalid PostgreSQL URL: ${redact(url)}`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new ServiceError(`not a postgres:// URL: ${redact(url)}`);
  }
  return {
    url: u,
    host: bareHost(u.hostname) || 'localhost',
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || os.userInfo().username,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
  };
}

/** Same server and credentials, different database (used to reach the `postgres` maintenance DB). */
function withDatabase(parsed, database) {
  const u = new URL(parsed.url.href);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.href;
}

function parseRedisUrl(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    throw new ServiceError(`invalid Redis URL: ${redact(url)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new ServiceError(`not a redis:// URL: ${redact(url)}`);
  }
  return { url: u, host: bareHost(u.hostname) || '127.0.0.1', port: Number(u.port || 6379) };
}

/** URLs can carry passwords; never print them. */
function redact(url) {
  return String(url).replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Double-quote an SQL identifier (database names can contain anything, including quotes). */
export function quoteIdent(name) {
  return `"${String(name).replace(/"/g, '""')}"`;
}

/** Is `cmd` an executable somewhere on PATH (or the sbin dirs apt installs into)? */
function which(cmd) {
  const dirs = (process.env.PATH || '').split(path.delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin']);
  for (const dir of dirs) {
    const candidate = path.join(dir, cmd);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

let sudoWorks; // cached: asking sudo repeatedly is slow and noisy
function canSudo() {
  if (sudoWorks === undefined) {
    sudoWorks = !!which('sudo') && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
  }
  return sudoWorks;
}

/** May we do system administration (install packages, write /etc)? */
const canAdminister = () => isRoot() || canSudo();

/**
 * Argv for a command that needs root. `env` is passed through `env(1)` because sudo strips the
 * environment (DEBIAN_FRONTEND would otherwise be lost).
 */
function privileged(cmd, args, env = {}) {
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  if (isRoot()) return envArgs.length ? ['env', [...envArgs, cmd, ...args]] : [cmd, args];
  if (canSudo()) return ['sudo', ['-n', 'env', ...envArgs, cmd, ...args]];
  return envArgs.length ? ['env', [...envArgs, cmd, ...args]] : [cmd, args];
}

/**
 * Run a command to completion with a hard timeout. Output is captured (for error messages) unless
 * `stream` is set, in which case it goes to our stderr so a long apt-get shows its progress.
 */
function run(cmd, args, { timeoutMs = COMMAND_TIMEOUT_MS, stream = false } = {}) {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk) => {
      output += chunk;
      if (stream) process.stderr.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      output += `\n(killed after ${Math.round(timeoutMs / 1000)} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, output: `${output}${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output: output.trim() });
    });
  });
}

/**
 * Cross-process mutex: a lock file created with O_EXCL in the system temp dir (shared by every
 * checkout on the machine, since they share the servers too). A lock whose owner pid is gone is
 * stale and gets broken, so a crashed run never blocks the next one.
 */
async function withLock(name, fn) {
  const file = path.join(os.tmpdir(), `fengda-services-${name}.lock`);
  const token = `${process.pid} ${randomBytes(6).toString('hex')}`;
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(file, token, { flag: 'wx', mode: 0o666 });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (breakStaleLock(file)) continue;
    if (Date.now() > deadline) throw new ServiceError(`timed out waiting for lock ${file}`);
    if (!announced) {
      log(`waiting for another process that is starting ${name} (lock ${file})`);
      announced = true;
    }
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    // Only remove our own lock (if ours was judged stale and replaced, leave the new owner's alone).
    try {
      if (fs.readFileSync(file, 'utf8') === token) fs.unlinkSync(file);
    } catch {
      // already gone
    }
  }
}

function breakStaleLock(file) {
  let content;
  let stat;
  try {
    content = fs.readFileSync(file, 'utf8');
    stat = fs.statSync(file);
  } catch {
    return true; // vanished between our attempts: just retry
  }
  const pid = Number.parseInt(content, 10);
  // Empty content means the owner is between create and write; give it a moment before judging.
  if (!pid) return Date.now() - stat.mtimeMs > 10_000 && tryUnlink(file, content);
  try {
    process.kill(pid, 0); // signal 0 = existence check
    return false;
  } catch (err) {
    if (err.code === 'EPERM') return false; // alive, owned by another user
    return tryUnlink(file, content);
  }
}

/** Remove the lock only if it still holds what we judged stale (narrows the unlink race). */
function tryUnlink(file, expected) {
  try {
    if (fs.readFileSync(file, 'utf8') !== expected) return false;
    fs.unlinkSync(file);
    log(`removed stale lock ${file}`);
  } catch {
    // someone else removed it first
  }
  return true;
}

/** Install a Debian package: plain install first (fast if the apt lists are fresh), then update + retry. */
async function aptInstall(pkg) {
  if (!which('apt-get') || !canAdminister()) {
    throw new ServiceError(
      `${pkg} is not installed and cannot be installed automatically ` +
        `(that needs apt-get and root or passwordless sudo). Install it yourself, or point the URL at a running server.`,
    );
  }
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  // Lock::Timeout makes apt wait for a concurrent apt/dpkg instead of failing immediately.
  const installArgs = ['-o', 'DPkg::Lock::Timeout=120', 'install', '-y', '--no-install-recommends', pkg];
  log(`installing ${pkg} with apt-get…`);
  let res = await run(...privileged('apt-get', installArgs, env), { timeoutMs: INSTALL_TIMEOUT_MS, stream: true });
  if (res.code !== 0) {
    log(`apt-get install ${pkg} failed; running apt-get update and retrying`);
    await run(...privileged('apt-get', ['-o', 'DPkg::Lock::Timeout=120', 'update'], env), {
      timeoutMs: INSTALL_TIMEOUT_MS,
      stream: true,
    });
    res = await run(...privileged('apt-get', installArgs, env), { timeoutMs: INSTALL_TIMEOUT_MS, stream: true });
  }
  if (res.code !== 0) throw new ServiceError(`apt-get install ${pkg} failed (exit ${res.code}); see the output above`);
  log(`installed ${pkg}`);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

/** Network-level failures: nobody is listening (yet), so starting the server may help. */
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'EPIPE', 'ENOENT']);

/**
 * Classify the outcome of one connection attempt:
 *  up       – the server answered and let us in
 *  down     – nothing answered (refused, unreachable, timed out)
 *  starting – the server answered "starting up / shutting down"; waiting will help
 *  auth     – the server answered but rejected the credentials
 *  error    – anything else (reported verbatim)
 */
function classifyPgError(err) {
  const code = err?.code;
  if (NETWORK_ERRORS.has(code) || /timeout|terminated|ECONNREFUSED/i.test(err?.message ?? '')) return 'down';
  if (code === '57P03') return 'starting'; // cannot_connect_now
  if (code === '28P01' || code === '28000' || /password|SASL|SCRAM/i.test(err?.message ?? '')) return 'auth';
  if (code === '3D000') return 'up'; // the maintenance DB is missing, but the server itself is fine
  return 'error';
}

/** One bounded attempt to connect to the maintenance database and run `SELECT 1`. */
async function probePostgres(parsed) {
  const client = new pg.Client({
    connectionString: withDatabase(parsed, 'postgres'),
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
    application_name: 'fengda-ensure-services',
  });
  client.on('error', () => {}); // a dropped connection must not become an uncaught exception
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { state: 'up' };
  } catch (err) {
    return { state: classifyPgError(err), error: err };
  } finally {
    await client.end().catch(() => {});
  }
}

function postgresAuthError(parsed, err) {
  return new ServiceError(
    `PostgreSQL at ${where(parsed)} is running but rejected user "${parsed.user}": ${err.message}. ` +
      `Set DATABASE_URL (and MIGRATION_DATABASE_URL, if you use a separate migration user) to a URL with valid ` +
      `credentials, e.g. DATABASE_URL=postgres://USER:PASSWORD@${where(parsed)}/${parsed.database || 'fengda'}`,
  );
}

/** Poll until the server lets us in; auth failures are final (waiting will not fix them). */
async function waitForPostgres(parsed, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probePostgres(parsed);
    if (last.state === 'up') return;
    if (last.state === 'auth') throw postgresAuthError(parsed, last.error);
    await sleep(POLL_INTERVAL_MS);
  }
  throw new ServiceError(
    `PostgreSQL at ${where(parsed)} did not accept connections within ${timeoutMs / 1000} s` +
      (last?.error ? ` (last error: ${last.error.message})` : ''),
  );
}

/**
 * Parse `pg_lsclusters -h` (text, not --json: the JSON flag only exists in newer postgresql-common).
 * Columns: Ver Cluster Port Status Owner DataDirectory LogFile. Status can carry qualifiers such as
 * "online,recovery" or "down,binaries_missing".
 */
export function parsePgLsclusters(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^Ver\s+Cluster\b/.test(line))
    .map((line) => {
      const [version, cluster, port, status, owner, dataDir, logFile] = line.split(/\s+/);
      return {
        version,
        cluster,
        port: Number(port),
        status,
        online: status.startsWith('online'),
        owner,
        dataDir,
        logFile,
      };
    })
    .filter((c) => c.version && c.cluster && Number.isFinite(c.port));
}

async function listClusters() {
  const res = await run('pg_lsclusters', ['-h']);
  if (res.code !== 0) throw new ServiceError(`pg_lsclusters failed: ${res.output}`);
  return parsePgLsclusters(res.output);
}

/** Installed server versions (Debian layout), newest first: /usr/lib/postgresql/<ver>/bin/postgres. */
function installedPgVersions() {
  try {
    return fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/postgres`))
      .sort((a, b) => Number(b) - Number(a));
  } catch {
    return [];
  }
}

async function pgCtlCluster(cluster, action) {
  // --skip-systemctl-redirect: talk to the cluster directly; there may be no systemd (containers, CI).
  return run(...privileged('pg_ctlcluster', ['--skip-systemctl-redirect', cluster.version, cluster.cluster, action]));
}

/**
 * Let the `postgres` user connect over local TCP without a password. Only called for a cluster this
 * script installed or created itself, so the default URL works out of the box there. The rules go
 * first because pg_hba.conf is first-match.
 */
async function trustLocalTcp(cluster) {
  const hbaFile = `/etc/postgresql/${cluster.version}/${cluster.cluster}/pg_hba.conf`;
  const current = fs.readFileSync(hbaFile, 'utf8');
  if (current.includes(HBA_MARKER)) return;
  // The owner (migrations) and the apps' unprivileged role, over loopback only.
  const rules = `${HBA_MARKER}\nhost all postgres,fengda_app 127.0.0.1/32 trust\nhost all postgres,fengda_app ::1/128 trust\n\n`;
  const { uid, gid, mode } = fs.statSync(hbaFile);
  const tmp = path.join(os.tmpdir(), `fengda-pg_hba-${process.pid}.conf`);
  fs.writeFileSync(tmp, rules + current);
  // `install` (as root, via sudo if needed) writes it back with the original owner and mode.
  const perms = ['-m', (mode & 0o777).toString(8), '-o', String(uid), '-g', String(gid)];
  const res = await run(...privileged('install', [...perms, tmp, hbaFile]));
  fs.rmSync(tmp, { force: true });
  if (res.code !== 0) throw new ServiceError(`could not update ${hbaFile}: ${res.output}`);
  log(`${hbaFile}: trusting local TCP connections for users postgres and fengda_app (new cluster created by this script)`);
  if (cluster.online) await pgCtlCluster(cluster, 'reload');
}

/**
 * Bring up a local cluster listening on `parsed.port`, installing PostgreSQL or creating the cluster
 * only when there is none. Returns what was done: 'started' | 'installed'.
 */
async function startLocalPostgres(parsed) {
  let action = 'started';
  let ours = false; // did we install or create it? (only then may we touch its auth)

  if (!which('pg_lsclusters') || !which('pg_ctlcluster')) {
    if (installedPgVersions().length === 0 && !which('postgres') && !which('pg_ctl')) {
      await aptInstall('postgresql');
      action = 'installed';
      ours = true;
    } else {
      throw new ServiceError(
        `PostgreSQL at ${where(parsed)} is not running, and this system has no pg_ctlcluster ` +
          `(Debian/Ubuntu's postgresql-common) to start it with. Start your PostgreSQL server yourself.`,
      );
    }
  }

  let clusters = await listClusters();
  let cluster = clusters.find((c) => c.port === parsed.port);
  if (!cluster) {
    if (clusters.length > 0) {
      const found = clusters.map((c) => `${c.version}/${c.cluster} on port ${c.port}`).join(', ');
      throw new ServiceError(
        `no local PostgreSQL cluster uses port ${parsed.port} (found: ${found}). ` +
          `Set DATABASE_URL to one of those ports, e.g. postgres://postgres@127.0.0.1:${clusters[0].port}/fengda`,
      );
    }
    const [version] = installedPgVersions();
    if (!version) throw new ServiceError('PostgreSQL packages are present but no server version is installed');
    log(`creating PostgreSQL cluster ${version}/main on port ${parsed.port}`);
    const res = await run(...privileged('pg_createcluster', ['--port', String(parsed.port), version, 'main']));
    if (res.code !== 0) throw new ServiceError(`pg_createcluster failed: ${res.output}`);
    ours = true;
    clusters = await listClusters();
    cluster = clusters.find((c) => c.port === parsed.port);
    if (!cluster) throw new ServiceError(`created cluster ${version}/main but pg_lsclusters does not show it on port ${parsed.port}`);
  }

  if (ours) await trustLocalTcp(cluster);

  if (!cluster.online) {
    log(`starting PostgreSQL cluster ${cluster.version}/${cluster.cluster} on port ${cluster.port}`);
    const res = await pgCtlCluster(cluster, 'start');
    // Non-zero also means "already running" (someone beat us to it), so judge by connecting.
    if (res.code !== 0) log(`pg_ctlcluster start exited ${res.code}: ${res.output}`);
  }
  return action;
}

/**
 * Ensure a PostgreSQL server answers at `url`. Starts (or installs) a local one if needed.
 * Resolves to { host, port, action: 'none' | 'started' | 'installed' }; rejects with a readable
 * message when the server is remote and down, rejects our credentials, or cannot be started.
 */
export async function ensurePostgres(url = DEFAULT_DATABASE_URL) {
  const parsed = parsePostgresUrl(url);
  const result = (action) => ({ host: parsed.host, port: parsed.port, action });

  const first = await probePostgres(parsed);
  if (first.state === 'up') {
    log(`postgres at ${where(parsed)}: up`);
    return result('none');
  }
  if (first.state === 'auth') throw postgresAuthError(parsed, first.error);
  if (first.state === 'error') throw new ServiceError(`PostgreSQL at ${where(parsed)}: ${first.error.message}`);
  if (first.state === 'starting') {
    log(`postgres at ${where(parsed)}: starting up, waiting`);
    await waitForPostgres(parsed);
    log(`postgres at ${where(parsed)}: up`);
    return result('none');
  }
  if (!isLocalHost(parsed.host)) {
    throw new ServiceError(
      `PostgreSQL at ${where(parsed)} is unreachable (${first.error?.code || first.error?.message}). ` +
        `It is not on this machine, so it cannot be started from here: start it, or fix DATABASE_URL.`,
    );
  }

  log(`postgres at ${where(parsed)}: down (${first.error?.code || first.error?.message}), starting it`);
  const action = await withLock(`postgres-${parsed.port}`, async () => {
    // Whoever held the lock before us may have started it already.
    if ((await probePostgres(parsed)).state === 'up') return 'none';
    const done = await startLocalPostgres(parsed);
    await waitForPostgres(parsed);
    return done;
  });
  log(`postgres at ${where(parsed)}: up${action === 'none' ? '' : ` (${action})`}`);
  return result(action);
}

/** Run `fn(client)` against the maintenance database of the server `url` points at. */
async function withMaintenanceClient(parsed, fn) {
  const client = new pg.Client({
    connectionString: withDatabase(parsed, 'postgres'),
    connectionTimeoutMillis: PROBE_TIMEOUT_MS * 5,
    application_name: 'fengda-ensure-services',
  });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    if (classifyPgError(err) === 'auth') throw postgresAuthError(parsed, err);
    throw new ServiceError(`cannot connect to PostgreSQL at ${where(parsed)}: ${err.message}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

const databaseExists = async (client, name) =>
  (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount > 0;

/**
 * Create the database named in `url` unless it exists. Resolves to true if this call created it,
 * false if it was already there (including when a concurrent caller created it first).
 */
export async function ensureDatabase(url = DEFAULT_DATABASE_URL) {
  const parsed = parsePostgresUrl(url);
  const name = parsed.database;
  if (!name) throw new ServiceError(`no database name in ${redact(url)}`);

  return withMaintenanceClient(parsed, async (client) => {
    for (let attempt = 1; ; attempt++) {
      if (await databaseExists(client, name)) {
        log(`database "${name}" at ${where(parsed)}: exists`);
        return false;
      }
      try {
        await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
        log(`database "${name}" at ${where(parsed)}: created`);
        return true;
      } catch (err) {
        // 42P04 duplicate_database / 23505 unique_violation on pg_database: a concurrent caller won.
        if (err.code === '42P04' || err.code === '23505') {
          log(`database "${name}" at ${where(parsed)}: exists (created concurrently)`);
          return false;
        }
        // 55006: someone is connected to template1 at this instant; it is brief, so retry.
        if (err.code === '55006' && attempt < 10) {
          await sleep(200 * attempt);
          continue;
        }
        throw new ServiceError(`CREATE DATABASE "${name}" at ${where(parsed)} failed: ${err.message}`);
      }
    }
  });
}

/**
 * Deletes every key of a deployment prefix: `<prefix>:*` and BullMQ's hash-tagged
 * `{<prefix>:…}` keys. Used to clean up after a test run or a benchmark, never on live data.
 */
export async function deletePrefixedKeys(redisUrl, prefix) {
  const redis = new Redis(redisUrl, { protocol: 2 });
  try {
    for (const pattern of [`${prefix}:*`, `{${prefix}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

/**
 * Drop the database named in `url` (terminating its connections). Resolves to true if it existed.
 * Refuses the system databases, since this is meant for throw-away test databases.
 */
export async function dropDatabase(url) {
  const parsed = parsePostgresUrl(url);
  const name = parsed.database;
  if (!name || ['postgres', 'template0', 'template1'].includes(name)) {
    throw new ServiceError(`refusing to drop database "${name}"`);
  }
  return withMaintenanceClient(parsed, async (client) => {
    const existed = await databaseExists(client, name);
    // WITH (FORCE) (PostgreSQL 13+) disconnects sessions still using it, e.g. a leaked test pool.
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    log(`database "${name}" at ${where(parsed)}: ${existed ? 'dropped' : 'did not exist'}`);
    return existed;
  });
}

// ---------------------------------------------------------------------------------------------
// Redis
// ---------------------------------------------------------------------------------------------

/**
 * One bounded PING. The client options make ioredis fail fast instead of queueing and
 * reconnecting forever: no offline queue, no retries, no reconnects.
 */
async function probeRedis(parsed) {
  const client = new Redis(parsed.url.href, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    reconnectOnError: () => false,
  });
  let lastError; // connect() only says "Connection is closed."; the real cause arrives as an event
  client.on('error', (err) => {
    lastError = err;
  });
  try {
    await client.connect();
    const reply = await client.ping();
    return reply === 'PONG' ? { state: 'up' } : { state: 'error', error: new Error(`unexpected PING reply ${reply}`) };
  } catch (err) {
    const error = lastError ?? err;
    const msg = `${err.message} ${lastError?.message ?? ''}`;
    if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(msg)) return { state: 'auth', error };
    if (/LOADING/.test(msg)) return { state: 'starting', error };
    if (NETWORK_ERRORS.has(lastError?.code) || NETWORK_ERRORS.has(err.code) || /closed|timeout/i.test(msg)) {
      return { state: 'down', error };
    }
    return { state: 'error', error };
  } finally {
    client.disconnect();
  }
}

function redisAuthError(parsed, err) {
  return new ServiceError(
    `Redis at ${where(parsed)} is running but rejected our credentials (${err.message}). ` +
      `Set REDIS_URL, e.g. REDIS_URL=redis://:PASSWORD@${where(parsed)}/0`,
  );
}

async function waitForRedis(parsed, logFile, timeoutMs = READY_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probeRedis(parsed);
    if (last.state === 'up') return;
    if (last.state === 'auth') throw redisAuthError(parsed, last.error);
    await sleep(POLL_INTERVAL_MS);
  }
  throw new ServiceError(
    `Redis at ${where(parsed)} did not answer PING within ${timeoutMs / 1000} s` +
      (last?.error ? ` (last error: ${last.error.message})` : '') +
      (logFile ? `\n${tail(logFile, 15)}` : ''),
  );
}

/** Last lines of a log file, for error messages (empty if unreadable). */
function tail(file, lines) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Start a throw-away redis-server for development: daemonized, bound to loopback only, no
 * persistence (the data is caches, sessions and queues that are fine to lose on restart).
 */
async function startLocalRedis(parsed) {
  let action = 'started';
  if (!which('redis-server')) {
    await aptInstall('redis-server');
    action = 'installed';
    // The Debian package may have started its own service on 6379; if that is ours, we are done.
    if ((await probeRedis(parsed)).state === 'up') return { action, logFile: null };
  }
  const dir = path.join(REPO_ROOT, '.run', 'redis');
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'redis.log');
  const bind = parsed.host === '::1' ? '::1' : '127.0.0.1';
  const args = [
    '--daemonize', 'yes',
    '--bind', bind,
    '--port', String(parsed.port),
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--logfile', logFile,
    // Without this a daemonized redis tries /var/run/redis_<port>.pid, which non-root cannot write.
    '--pidfile', path.join(dir, `redis-${parsed.port}.pid`),
  ];
  log(`starting redis-server on ${bind}:${parsed.port} (log ${logFile})`);
  const res = await run(which('redis-server'), args);
  if (res.code !== 0) {
    throw new ServiceError(`redis-server failed to start (exit ${res.code}): ${res.output}\n${tail(logFile, 15)}`);
  }
  return { action, logFile };
}

/**
 * Ensure a Redis server answers PING at `url`. Starts (or installs) a local one if needed.
 * Resolves to { host, port, action: 'none' | 'started' | 'installed' }.
 */
export async function ensureRedis(url = DEFAULT_REDIS_URL) {
  const parsed = parseRedisUrl(url);
  const result = (action) => ({ host: parsed.host, port: parsed.port, action });

  const first = await probeRedis(parsed);
  if (first.state === 'up') {
    log(`redis at ${where(parsed)}: up`);
    return result('none');
  }
  if (first.state === 'auth') throw redisAuthError(parsed, first.error);
  if (first.state === 'error') throw new ServiceError(`Redis at ${where(parsed)}: ${first.error.message}`);
  if (first.state === 'starting') {
    log(`redis at ${where(parsed)}: loading its dataset, waiting`);
    await waitForRedis(parsed, null);
    log(`redis at ${where(parsed)}: up`);
    return result('none');
  }
  if (!isLocalHost(parsed.host)) {
    throw new ServiceError(
      `Redis at ${where(parsed)} is unreachable (${first.error?.code || first.error?.message}). ` +
        `It is not on this machine, so it cannot be started from here: start it, or fix REDIS_URL.`,
    );
  }

  log(`redis at ${where(parsed)}: down (${first.error?.code || first.error?.message}), starting it`);
  const action = await withLock(`redis-${parsed.port}`, async () => {
    if ((await probeRedis(parsed)).state === 'up') return 'none';
    const started = await startLocalRedis(parsed);
    await waitForRedis(parsed, started.logFile);
    return started.action;
  });
  log(`redis at ${where(parsed)}: up${action === 'none' ? '' : ` (${action})`}`);
  return result(action);
}

// ---------------------------------------------------------------------------------------------
// CLI: `node scripts/ensure-services.mjs`
// ---------------------------------------------------------------------------------------------

async function cli() {
  const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  // Creating the database needs the privileged (migration) role; the app role may not exist yet.
  const migrationUrl = process.env.MIGRATION_DATABASE_URL || databaseUrl;
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;

  const describe = { none: 'already running', started: 'started', installed: 'installed and started' };
  const pgResult = await ensurePostgres(migrationUrl);
  const redisResult = await ensureRedis(redisUrl);
  const created = await ensureDatabase(migrationUrl);
  const dbName = parsePostgresUrl(migrationUrl).database;

  process.stdout.write(
    `postgres ${where(pgResult)}: ${describe[pgResult.action]}\n` +
      `redis ${where(redisResult)}: ${describe[redisResult.action]}\n` +
      `database "${dbName}": ${created ? 'created' : 'already exists'}\n`,
  );
}

// Run the CLI only when executed directly, not when imported (realpath: tolerate symlinked checkouts).
const invokedDirectly = (() => {
  try {
    return !!process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
})();

if (invokedDirectly) {
  cli().catch((err) => {
    process.stderr.write(`[services] error: ${err instanceof ServiceError ? err.message : err.stack}\n`);
    process.exit(1);
  });
}
