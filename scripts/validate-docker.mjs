#!/usr/bin/env node
/**
 * Static validation of everything under docker/: no Docker engine, no cluster, no network.
 *
 *   node scripts/validate-docker.mjs [--docker-dir <dir>] [--verbose]
 *
 * - docker/Dockerfile: syntax (dockerfile-utils) + focused rules on the dockerfile-ast parse
 *   (named multi-stage, non-root numeric USER, exec-form CMD/ENTRYPOINT, init process, pinned
 *   base images, npm ci, production-only node_modules, HEALTHCHECK, COPY --chown, ...).
 * - docker/Dockerfile.dockerignore + docker/.dockerignore: identical, let every build input
 *   through, keep node_modules/dist/.git/.env out (Docker's pattern semantics).
 * - docker/docker-compose.yml: compose-spec schema + rules (dclint), references, healthchecks,
 *   start order, drain timing, env.
 * - docker/k8s/*.yaml: YAML, kustomization (rendered like `kubectl apply -k` for the fields
 *   used), JSON-schema validation with kubernetes-models / @kubernetes-models/keda, unknown
 *   fields (kubectl's strict field validation) from the same packages' type definitions,
 *   and cross-checks: probes, drain timing, selectors, targets, env and secret references,
 *   security context, KEDA trigger and scaling behaviour.
 *
 * Exit code 0 when there is no error (warnings are printed but do not fail), 1 otherwise.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { LineCounter, parseAllDocuments } from 'yaml';
import { DockerfileParser } from 'dockerfile-ast';
import { validate as validateDockerfileSyntax } from 'dockerfile-utils';

const started = Date.now();
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// ---------------------------------------------------------------------------------------
// The design being checked. Change these together with the manifests.
// ---------------------------------------------------------------------------------------
const DESIGN = {
  namespace: 'fengda',
  imageRepo: 'fengda',
  minNode: [20, 19],
  // Which process a container runs, recognised by its node entry script.
  roles: {
    gateway: { entry: 'dist/apps/gateway/src/main.js', portEnv: 'PORT', defaultPort: 3000, longRunning: true },
    worker: { entry: 'dist/apps/nlp-worker/src/main.js', portEnv: 'WORKER_PORT', defaultPort: 3001, longRunning: true },
    migrate: { entry: 'dist/scripts/migrate.js', longRunning: false },
    seed: { entry: 'dist/scripts/seed-demo.js', longRunning: false },
  },
  livePath: '/health/live',
  readyPath: '/health/ready',
  metricsPath: '/metrics',
  defaultShutdownGraceMs: 25_000,
  drainMarginSec: 5, // below this margin: warning
  gatewayServicePort: 80,
  // Env every long-running app container needs, and the job-specific ones.
  appEnv: ['NODE_ENV', 'LOG_LEVEL', 'SHUTDOWN_GRACE_MS', 'DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN', 'JWT_SECRET', 'SECRETS_ENCRYPTION_KEY'],
  roleEnv: { gateway: [], worker: [], migrate: ['MIGRATION_DATABASE_URL'], seed: ['DATABASE_URL'] },
  // Must come from a Secret in Kubernetes, never a ConfigMap or a literal.
  secretEnv: /^(DATABASE_URL|MIGRATION_DATABASE_URL|REDIS_URL|REDIS_PASSWORD|ADMIN_TOKEN|JWT_SECRET|SECRETS_ENCRYPTION_KEY)$|SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_KEY|ENCRYPTION_KEY/,
  logLevels: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
  minSecretLength: { ADMIN_TOKEN: 24, JWT_SECRET: 32 },
  placeholder: /REPLACE_ME|CHANGE_ME|CHANGEME|<[^>]+>/,
  keda: {
    minReplicaCountAtLeast: 2,
    maxReplicaCount: 300,
    defaultRedisPrefix: 'fd',
    // BullMQ prefix as the app builds it (libs/queue: bullPrefix); `{...}` is a Redis Cluster hash tag.
    waitKey: (prefix) => `${bullPrefixFor(prefix)}:answer:wait`,
    scaleUp: { percentAtLeast: 100, periodSeconds: [15, 30], stabilizationWindowSeconds: 0 },
    scaleDown: { percentAtMost: 10, periodSecondsAtLeast: 60, stabilizationWindowSeconds: 300 },
  },
};

/**
 * The BullMQ key prefix for a REDIS_PREFIX, read from the app's source (libs/queue,
 * `bullPrefix = (config) => \`{${config.redis.prefix}:bull}\``) so the KEDA trigger watches the
 * list the app really writes. Falls back to "<prefix>:bull" (BullMQ's plain form).
 */
let bullPrefixSource;
function bullPrefixFor(prefix) {
  if (bullPrefixSource === undefined) {
    bullPrefixSource = null;
    const dir = path.join(ROOT, 'libs', 'queue', 'src');
    for (const f of existsSync(dir) ? readdirSync(dir).filter((x) => x.endsWith('.ts')) : []) {
      const m = /bullPrefix\s*=\s*\([^)]*\)[^=]*=>\s*`([^`]*)`/.exec(readFileSync(path.join(dir, f), 'utf8'));
      if (m) {
        bullPrefixSource = { template: m[1], file: `libs/queue/src/${f}` };
        break;
      }
    }
  }
  if (!bullPrefixSource) return `${prefix}:bull`;
  return bullPrefixSource.template.replace(/\$\{[^}]*prefix[^}]*\}/, prefix);
}

// ---------------------------------------------------------------------------------------
// Arguments and reporting
// ---------------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const argValue = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('usage: node scripts/validate-docker.mjs [--docker-dir <dir>] [--verbose]');
  process.exit(0);
}
const DOCKER_DIR = path.resolve(argValue('--docker-dir') ?? path.join(ROOT, 'docker'));
const VERBOSE = argv.includes('--verbose');
const rel = (abs) => {
  const r = path.relative(ROOT, abs);
  return r.startsWith('..') ? abs : r.split(path.sep).join('/');
};

class Report {
  constructor() {
    this.files = new Map();
  }
  entry(file) {
    if (!this.files.has(file)) this.files.set(file, { errors: [], warnings: [], summary: '' });
    return this.files.get(file);
  }
  error(file, msg, line) {
    this.entry(file).errors.push(line ? `line ${line}: ${msg}` : msg);
  }
  warn(file, msg, line) {
    this.entry(file).warnings.push(line ? `line ${line}: ${msg}` : msg);
  }
  /** One line shown for the file; `failText` replaces it when the file has errors. */
  summary(file, text, failText) {
    Object.assign(this.entry(file), { summary: text, failSummary: failText });
  }
  print() {
    let errors = 0;
    let warnings = 0;
    for (const [file, e] of this.files) {
      errors += e.errors.length;
      warnings += e.warnings.length;
      const status = e.errors.length ? 'FAIL' : 'ok  ';
      const counts = [
        e.errors.length ? `${e.errors.length} error${e.errors.length > 1 ? 's' : ''}` : '',
        e.warnings.length ? `${e.warnings.length} warning${e.warnings.length > 1 ? 's' : ''}` : '',
      ].filter(Boolean);
      const tail = counts.length ? ` [${counts.join(', ')}]` : '';
      const line = e.errors.length ? (e.failSummary ?? 'invalid') : e.summary || 'valid';
      console.log(`${status} ${file}: ${line}${tail}`);
      for (const m of e.errors) console.log(`       error: ${m}`);
      for (const m of e.warnings) console.log(`       warning: ${m}`);
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `validate-docker: ${this.files.size} files, ${errors} error${errors === 1 ? '' : 's'}, ` +
        `${warnings} warning${warnings === 1 ? '' : 's'} (${secs} s)`,
    );
    return errors;
  }
}
const report = new Report();

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------
const readText = (abs) => readFileSync(abs, 'utf8');
/** Every file below `dir`, leaving out the directories `skip` names. */
const filesUnder = (dir, skip = () => false) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return skip(e.name) ? [] : filesUnder(p, skip);
    return [p];
  });
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const asArray = (v) => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** Kubernetes resource.Quantity -> number (cores for cpu, bytes for memory). */
const parseQuantity = (q) => {
  const m = /^([+-]?\d+(?:\.\d+)?)(?:(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)|[eE]([+-]?\d+))?$/.exec(String(q).trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  if (m[3]) return n * 10 ** Number(m[3]);
  const mult = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return m[2] ? n * mult[m[2]] : n;
};

/** Compose duration ("35s", "1m30s", "500ms") -> seconds. */
const parseDuration = (d) => {
  if (typeof d === 'number') return d / 1e9; // compose: bare numbers are nanoseconds... rarely used
  let total = 0;
  let matched = '';
  for (const m of String(d).matchAll(/(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)/g)) {
    const v = Number(m[1]);
    total += { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, ns: 1e-9 }[m[2]] * v;
    matched += m[0];
  }
  return matched === String(d) ? total : NaN;
};

/** "registry/repo:tag@sha256:..." -> parts. */
const parseImageRef = (ref) => {
  let rest = String(ref);
  let digest;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, tag, digest, repo: rest.split('/').pop() };
};
const imageToString = ({ name, tag, digest }) => `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;

/** Which Fengda process an argv runs (by its node entry script). */
const roleOfArgv = (args) => {
  const joined = asArray(args).join(' ');
  for (const [role, d] of Object.entries(DESIGN.roles)) if (joined.includes(d.entry)) return role;
  return undefined;
};
/** dist/apps/x/src/main.js -> apps/x/src/main.ts (the source tsc compiles it from). */
const sourceOfEntry = (entry) => entry.replace(/^dist\//, '').replace(/\.js$/, '.ts');
const checkedEntrySources = new Set();
const checkEntrySource = (file, role) => {
  const src = sourceOfEntry(DESIGN.roles[role].entry);
  if (!existsSync(path.join(ROOT, src))) {
    const key = `${file}|${src}`;
    if (!checkedEntrySources.has(key)) {
      checkedEntrySources.add(key);
      report.warn(file, `${role} runs ${DESIGN.roles[role].entry}, but its source ${src} is not in the repository (yet)`);
    }
  }
};

// ---------------------------------------------------------------------------------------
// YAML loading (with line numbers)
// ---------------------------------------------------------------------------------------
function loadYamlDocs(abs, { version = '1.2', merge = false } = {}) {
  const file = rel(abs);
  const text = readText(abs);
  const lineCounter = new LineCounter();
  const docs = [];
  let ok = true;
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge, version, strict: true });
  for (const doc of Array.isArray(parsed) ? parsed : []) {
    for (const e of doc.errors.slice(0, 3)) {
      ok = false;
      report.error(file, `YAML: ${e.message.split('\n')[0]}`, e.linePos?.[0]?.line);
    }
    if (doc.errors.length > 3) report.error(file, `YAML: ${doc.errors.length - 3} more syntax errors`);
    for (const w of doc.warnings) report.warn(file, `YAML: ${w.message.split('\n')[0]}`, w.linePos?.[0]?.line);
    if (doc.errors.length) continue;
    const value = doc.toJS({ maxAliasCount: 200 });
    if (value === null || value === undefined) continue;
    const start = doc.contents?.range?.[0] ?? 0;
    const lineOf = (p) => {
      for (let n = p.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(p.slice(0, n), true);
        if (node?.range) return lineCounter.linePos(node.range[0]).line;
      }
      return lineCounter.linePos(start).line;
    };
    docs.push({ file, value, line: lineCounter.linePos(start).line, lineOf });
  }
  return { file, docs, ok, text };
}

// ---------------------------------------------------------------------------------------
// .dockerignore semantics (moby/patternmatcher: a path is excluded when the last pattern
// matching it or one of its parent directories is not a "!" pattern).
// ---------------------------------------------------------------------------------------
function compileIgnore(text) {
  const patterns = [];
  for (const raw of text.split(/\r?\n/)) {
    let p = raw.trim();
    if (!p || p.startsWith('#')) continue;
    const negate = p.startsWith('!');
    if (negate) p = p.slice(1).trim();
    p = path.posix.normalize(p).replace(/^\/+/, '').replace(/\/+$/, '');
    if (p === '.' || !p) continue;
    let re = '^';
    for (let i = 0; i < p.length; i++) {
      const c = p[i];
      if (c === '*') {
        if (p[i + 1] === '*') {
          i++;
          if (p[i + 1] === '/') i++;
          re += i + 1 >= p.length ? '.*' : '(.*/)?';
        } else re += '[^/]*';
      } else if (c === '?') re += '[^/]';
      else if (c === '\\' && i + 1 < p.length) re += `\\${p[++i]}`;
      else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    patterns.push({ raw: raw.trim(), negate, re: new RegExp(`${re}$`) });
  }
  return patterns;
}
function isIgnored(relPath, patterns) {
  const parts = relPath.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const p of patterns) if (candidates.some((c) => p.re.test(c))) ignored = !p.negate;
  return ignored;
}

// ---------------------------------------------------------------------------------------
// Dockerfile
// ---------------------------------------------------------------------------------------
function checkDockerfile(dockerfileAbs, ignorePatterns) {
  const file = rel(dockerfileAbs);
  const info = { ok: false, env: new Map(), entrypoint: [], cmd: [], user: undefined, healthcheck: undefined, ports: [] };
  if (!existsSync(dockerfileAbs)) {
    report.error(file, 'missing');
    return info;
  }
  const text = readText(dockerfileAbs);
  const E = (msg, line) => report.error(file, msg, line);
  const W = (msg, line) => report.warn(file, msg, line);

  // 1. Syntax and instruction-level validation (the VS Code Docker language server's rules).
  const diags = validateDockerfileSyntax(text, {
    deprecatedMaintainer: 2,
    instructionJSONInSingleQuotes: 2,
    instructionWorkdirRelative: 2,
    instructionCmdMultiple: 1,
    instructionEntrypointMultiple: 1,
    instructionHealthcheckMultiple: 2,
  });
  for (const d of diags) (d.severity === 1 ? E : W)(`${d.message}`, d.range.start.line + 1);

  // 2. Stages.
  const df = DockerfileParser.parse(text);
  const lineOf = (inst) => inst.getRange().start.line + 1;
  const globalArgs = new Map();
  const stages = [];
  for (const inst of df.getInstructions()) {
    const kw = inst.getKeyword();
    if (kw === 'FROM') {
      stages.push({ name: inst.getBuildStage(), from: inst.getImage() ?? '', line: lineOf(inst), insts: [] });
    } else if (!stages.length) {
      if (kw === 'ARG') {
        for (const prop of inst.getProperties()) globalArgs.set(prop.getName(), prop.getValue() ?? '');
      }
    } else stages.at(-1).insts.push(inst);
  }
  if (!stages.length) {
    E('no FROM instruction');
    return info;
  }
  const expand = (s) => s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a, def, b) => globalArgs.get(a ?? b) ?? def ?? '');
  if (stages.length < 2) E('not a multi-stage build (expected deps -> build -> runtime)');
  const byName = new Map();
  stages.forEach((st, i) => {
    st.index = i;
    if (!st.name) E(`stage ${i} (FROM ${st.from}) has no name: use "FROM ... AS <name>"`, st.line);
    else if (byName.has(st.name.toLowerCase())) E(`duplicate stage name "${st.name}"`, st.line);
    else byName.set(st.name.toLowerCase(), st);
    const image = expand(st.from);
    st.image = image;
    const parent = byName.get(image.toLowerCase());
    if (parent && parent !== st) {
      st.parent = parent;
      return;
    }
    const ref = parseImageRef(image);
    if (!ref.tag && !ref.digest) E(`base image "${image}" has no tag: pin a version`, st.line);
    else if (ref.tag === 'latest') E(`base image "${image}" uses the "latest" tag: pin a version`, st.line);
    if (ref.repo === 'node' && ref.tag) {
      const v = /^(\d+)(?:\.(\d+))?/.exec(ref.tag);
      const [maj, min] = DESIGN.minNode;
      if (!v) W(`cannot read the Node version from "${image}"`, st.line);
      else if (Number(v[1]) < maj || (Number(v[1]) === maj && v[2] !== undefined && Number(v[2]) < min))
        E(`"${image}": Node >= ${maj}.${min} is required (package.json engines)`, st.line);
      else if (Number(v[1]) === maj && v[2] === undefined)
        W(`"${image}" does not pin the minor version; Node >= ${maj}.${min} cannot be guaranteed`, st.line);
    }
  });
  const chain = (st) => {
    const out = [];
    for (let s = st; s; s = s.parent) out.push(s);
    return out; // final first
  };
  const instsOf = (st, kw) => st.insts.filter((i) => i.getKeyword() === kw);
  const runText = (inst) => inst.getArgumentsContent() ?? '';
  const flag = (inst, name) => inst.getFlags?.().find((f) => f.getName() === name)?.getValue();

  // 3. Per-instruction rules in every stage.
  for (const st of stages) {
    for (const inst of st.insts) {
      const kw = inst.getKeyword();
      const line = lineOf(inst);
      if (kw === 'RUN') {
        const t = runText(inst).replace(/\\\n/g, ' ');
        if (/\bnpm\s+(install|i|add|isntall)\b/.test(t)) E('use "npm ci" (reproducible, lockfile-exact), not "npm install"', line);
        if (/\byarn(\s+install)?\s*($|&&|;)/.test(t)) W('yarn install in an npm project', line);
        if (/\bapt-get\s+install\b/.test(t)) {
          if (!/--no-install-recommends/.test(t)) W('apt-get install without --no-install-recommends', line);
          if (!/rm\s+-rf\s+\/var\/lib\/apt\/lists/.test(t)) W('apt lists not removed in the same RUN (rm -rf /var/lib/apt/lists/*)', line);
        }
        if (/\b(apt-get|apt)\s+(dist-)?upgrade\b/.test(t)) W('apt-get upgrade in a Dockerfile: rebuild on a newer base image instead', line);
        if (/\bcurl\b[^|]*\|\s*(ba)?sh\b|\bwget\b[^|]*\|\s*(ba)?sh\b/.test(t)) E('piping a download into a shell', line);
      }
      if (kw === 'ADD') {
        const srcs = inst.getArguments().slice(0, -1).map((a) => a.getValue());
        if (srcs.some((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@')))
          E('ADD of a URL: download in a RUN with checksum verification, or COPY a vetted file', line);
        else W('ADD of local files: use COPY (ADD also unpacks archives)', line);
      }
      if (kw === 'ENV' || kw === 'ARG') {
        for (const prop of inst.getProperties()) {
          const name = prop.getName();
          const value = prop.getValue() ?? '';
          if (DESIGN.secretEnv.test(name) && !/^(NPM_CONFIG_|HEALTHCHECK_)/.test(name))
            E(`${kw} ${name}: secrets must not be baked into the image (pass them at run time)`, line);
          if (/:\/\/[^/\s:@]+:[^/\s@]+@/.test(value)) E(`${kw} ${name} contains credentials in a URL`, line);
        }
      }
      if (kw === 'WORKDIR' && !runText(inst).startsWith('/') && !runText(inst).startsWith('$')) W('WORKDIR should be absolute', line);
      if (kw === 'COPY' && !flag(inst, 'from')) {
        // Sources from the build context: must exist and pass the ignore file.
        const args = inst.getArguments().map((a) => a.getValue());
        for (const src of args.slice(0, -1)) {
          const s = path.posix.normalize(src).replace(/^\.\/?/, '').replace(/\/$/, '');
          if (!s) continue; // "." - checked with the ignore file below
          if (/[*?[]/.test(s)) continue;
          if (!existsSync(path.join(ROOT, s))) {
            (s === 'seed' || s.startsWith('docker/') || s.startsWith('package') ? E : W)(`COPY source "${src}" does not exist in the repository`, line);
          } else if (ignorePatterns && isIgnored(s, ignorePatterns)) {
            E(`COPY source "${src}" is excluded by the .dockerignore file: the build would fail`, line);
          }
        }
      }
    }
  }

  // 4. The runtime (final) stage and what it inherits.
  const final = stages.at(-1);
  const fchain = chain(final);
  const inChain = (kw) => fchain.flatMap((st) => instsOf(st, kw).map((i) => ({ st, i })));
  // environment (parents first, so later definitions win)
  for (const st of [...fchain].reverse())
    for (const i of instsOf(st, 'ENV')) for (const p of i.getProperties()) info.env.set(p.getName(), p.getValue() ?? '');
  if (info.env.get('NODE_ENV') !== 'production') E(`runtime stage "${final.name}": ENV NODE_ENV=production is missing`, final.line);

  // non-root numeric USER
  const users = inChain('USER');
  if (!users.length) E(`runtime stage "${final.name}" has no USER: it would run as root`, final.line);
  else {
    // the effective USER is the last one of the final stage, else the nearest parent's
    const eff = instsOf(final, 'USER').at(-1) ?? users[0].i;
    const u = (runText(eff).split(':')[0] ?? '').trim();
    info.user = u;
    if (u === 'root' || u === '0') E(`runtime USER is root (${u})`, lineOf(eff));
    else if (!/^\d+$/.test(u)) E(`runtime USER "${u}" is not a numeric UID (Kubernetes runAsNonRoot can only verify numeric UIDs)`, lineOf(eff));
    const laterRun = final.insts.filter((x) => x.getKeyword() === 'RUN' && x.getRange().start.line > eff.getRange().start.line);
    if (laterRun.length && instsOf(final, 'USER').length) W('RUN after USER in the runtime stage runs as the app user', lineOf(laterRun[0]));
  }

  // exec-form CMD / ENTRYPOINT
  const execCache = new Map();
  const execForm = (inst, what) => {
    if (execCache.has(inst)) return execCache.get(inst);
    let argvOut;
    if (!inst.getOpeningBracket?.() || !inst.getClosingBracket?.()) {
      E(`${what} must use the exec (JSON array) form so that signals reach the process`, lineOf(inst));
      argvOut = ['/bin/sh', '-c', runText(inst)]; // what Docker runs for the shell form
    } else {
      try {
        argvOut = JSON.parse(runText(inst));
      } catch {
        E(`${what} is not a valid JSON array`, lineOf(inst));
        argvOut = [];
      }
    }
    execCache.set(inst, argvOut);
    return argvOut;
  };
  for (const st of stages) for (const kw of ['CMD', 'ENTRYPOINT']) for (const i of instsOf(st, kw)) execForm(i, kw);
  const ep = inChain('ENTRYPOINT')[0];
  const cmd = inChain('CMD')[0];
  info.entrypoint = ep ? (execForm(ep.i, 'ENTRYPOINT') ?? []) : [];
  info.cmd = cmd ? (execForm(cmd.i, 'CMD') ?? []) : [];
  if (!cmd) E('no CMD in the runtime stage');
  const initBin = path.posix.basename(info.entrypoint[0] ?? '');
  if (!['tini', 'tini-static', 'dumb-init', 'docker-init'].includes(initBin)) {
    E('no init process as ENTRYPOINT (tini/dumb-init): node would run as PID 1 without signal forwarding or zombie reaping', ep ? lineOf(ep.i) : final.line);
  } else {
    const installs = fchain.some((st) =>
      st.insts.some((i) => (i.getKeyword() === 'RUN' && new RegExp(`\\b${initBin.replace('-static', '')}\\b`).test(runText(i))) || (i.getKeyword() === 'COPY' && runText(i).includes(initBin))),
    );
    if (!installs) E(`ENTRYPOINT uses ${info.entrypoint[0]} but no stage of the runtime installs or copies it`, lineOf(ep.i));
  }
  const defaultRole = roleOfArgv(info.cmd);
  if (defaultRole !== 'gateway') E(`default CMD must run the gateway (${DESIGN.roles.gateway.entry}), got ${JSON.stringify(info.cmd)}`, cmd ? lineOf(cmd.i) : final.line);
  else checkEntrySource(file, 'gateway');

  // HEALTHCHECK
  const hc = inChain('HEALTHCHECK')[0];
  if (!hc) E(`runtime stage "${final.name}" has no HEALTHCHECK`, final.line);
  else {
    const args = hc.i.getArguments().map((a) => a.getValue());
    const sub = hc.i.getSubcommand?.()?.getValue()?.toUpperCase();
    if (sub === 'NONE') E('HEALTHCHECK NONE in the runtime stage', lineOf(hc.i));
    else {
      const hcText = runText(hc.i);
      const jsonStart = hcText.indexOf('[');
      let hcArgv;
      try {
        hcArgv = jsonStart >= 0 ? JSON.parse(hcText.slice(jsonStart)) : undefined;
      } catch {
        hcArgv = undefined;
      }
      if (!hcArgv) W('HEALTHCHECK CMD in shell form (needs /bin/sh in the image)', lineOf(hc.i));
      info.healthcheck = hcArgv ?? args.slice(1);
      const joined = (hcArgv ?? args).join(' ');
      if (!joined.includes(DESIGN.livePath)) {
        // a script: it must be copied into the image and probe /health/live
        const script = (hcArgv ?? []).find((a) => a.startsWith('/') && /\.(m?js|cjs|sh)$/.test(a));
        if (!script) E(`HEALTHCHECK does not probe ${DESIGN.livePath}`, lineOf(hc.i));
        else {
          const copy = fchain
            .flatMap((st) => instsOf(st, 'COPY'))
            .find((i) => {
              const a = i.getArguments().map((x) => x.getValue());
              return a.at(-1) === script;
            });
          if (!copy) E(`HEALTHCHECK runs ${script}, which no COPY in the runtime stage puts there`, lineOf(hc.i));
          else {
            const src = copy.getArguments()[0].getValue();
            const srcAbs = path.join(ROOT, src);
            if (existsSync(srcAbs) && !readText(srcAbs).includes(DESIGN.livePath)) E(`HEALTHCHECK script ${src} does not probe ${DESIGN.livePath}`, lineOf(hc.i));
            info.healthcheckScript = src;
          }
        }
      }
    }
  }

  // EXPOSE
  for (const { i } of inChain('EXPOSE')) for (const a of i.getArguments()) info.ports.push(Number(a.getValue().split('/')[0]));
  for (const role of ['gateway', 'worker'])
    if (!info.ports.includes(DESIGN.roles[role].defaultPort)) W(`EXPOSE ${DESIGN.roles[role].defaultPort} (${role}) is missing`);

  // COPY --chown in the runtime stage; no whole-context copy into the runtime.
  for (const i of instsOf(final, 'COPY')) {
    if (!flag(i, 'chown')) E('COPY in the runtime stage without --chown: make file ownership explicit', lineOf(i));
    const a = i.getArguments().map((x) => x.getValue());
    if (!flag(i, 'from') && a.slice(0, -1).some((s) => s === '.' || s === './')) W('runtime stage copies the whole build context', lineOf(i));
  }

  // Production-only node_modules in the runtime.
  const npmCi = (st) => st.insts.filter((i) => i.getKeyword() === 'RUN' && /\bnpm\s+ci\b/.test(runText(i)));
  const prodOnly = (st) => {
    for (const s of chain(st)) {
      const ci = npmCi(s);
      const prune = s.insts.some((i) => i.getKeyword() === 'RUN' && /\bnpm\s+prune\b[^&;]*(--omit[= ]dev|--production)/.test(runText(i)));
      if (prune) return true;
      if (ci.length) return ci.every((i) => /--omit[= ]dev|--only[= ]prod(uction)?|--production/.test(runText(i)));
    }
    return undefined; // no npm ci at all
  };
  const finalCi = fchain.flatMap(npmCi);
  const nmCopies = instsOf(final, 'COPY').filter((i) => runText(i).includes('node_modules'));
  if (finalCi.length) {
    for (const i of finalCi) if (!/--omit[= ]dev/.test(runText(i))) E('npm ci in the runtime stage without --omit=dev: dev dependencies would ship', lineOf(i));
  }
  for (const i of nmCopies) {
    const from = flag(i, 'from');
    const src = from ? byName.get(from.toLowerCase()) : undefined;
    if (!src) {
      E(`runtime copies node_modules from "${from ?? 'the build context'}", not from a stage that ran "npm ci --omit=dev"`, lineOf(i));
      continue;
    }
    const p = prodOnly(src);
    if (p === false) E(`runtime copies node_modules from stage "${src.name}", whose npm ci installs dev dependencies (use --omit=dev)`, lineOf(i));
    if (p === undefined) E(`runtime copies node_modules from stage "${src.name}", which never runs npm ci`, lineOf(i));
  }
  if (!finalCi.length && !nmCopies.length) E('runtime stage has no node_modules (npm ci --omit=dev there, or COPY --from a stage that ran it)', final.line);
  if (fchain.slice(1).some((st) => prodOnly(st) === false)) E(`runtime stage "${final.name}" inherits from a stage with dev dependencies`, final.line);
  if (!stages.some((st) => st.insts.some((i) => i.getKeyword() === 'RUN' && /\bnpm\s+run\s+build\b|\btsc\b/.test(runText(i)))))
    W('no stage runs "npm run build"');

  info.ok = !report.entry(file).errors.length;
  info.stages = stages.map((s) => s.name ?? `#${s.index}`);
  report.summary(
    file,
    `${stages.length} stages (${info.stages.join(' -> ')}), base ${stages[0].image}; runtime: USER ${info.user ?? '?'}, ` +
      `ENTRYPOINT ${JSON.stringify(info.entrypoint)}, CMD ${JSON.stringify(info.cmd)}, HEALTHCHECK, NODE_ENV=production, ` +
      `dockerfile-utils: ${diags.length} issues`,
  );
  return info;
}

// ---------------------------------------------------------------------------------------
// Ignore files
// ---------------------------------------------------------------------------------------
function checkIgnoreFiles(dockerfileAbs) {
  const primary = path.join(path.dirname(dockerfileAbs), `${path.basename(dockerfileAbs)}.dockerignore`);
  const secondary = path.join(DOCKER_DIR, '.dockerignore');
  for (const f of [primary, secondary]) if (!existsSync(f)) report.error(rel(f), 'missing');
  if (!existsSync(primary)) return undefined;
  const text = readText(primary);
  const patterns = compileIgnore(text);
  const file = rel(primary);
  const mustExclude = ['node_modules/x', 'dist/x', '.git/HEAD', '.env', 'docker/.env', 'apps/x/node_modules/y', 'coverage/x', 'test/x.spec.ts'];
  for (const p of mustExclude) if (!isIgnored(p, patterns)) report.error(file, `"${p}" would be sent to the build context`);
  // tsc inputs (tsconfig.build.json "include") and manifests must get through.
  const mustInclude = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
  try {
    const tsb = JSON.parse(readText(path.join(ROOT, 'tsconfig.build.json')));
    for (const inc of tsb.include ?? []) if (existsSync(path.join(ROOT, inc))) mustInclude.push(inc);
  } catch {
    report.warn(file, 'tsconfig.build.json not readable: build inputs not checked');
  }
  for (const p of mustInclude) if (isIgnored(p, patterns)) report.error(file, `"${p}" is excluded but the build needs it`);
  // every TypeScript source under those folders must reach tsc
  let excludedSources = 0;
  const walk = (dir, depth = 0) => {
    if (depth > 8) return;
    for (const ent of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      if (ent.name === 'node_modules') continue;
      const p = dir ? `${dir}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(p, depth + 1);
      else if (/\.ts$/.test(p) && !/\.(e2e-)?spec\.ts$/.test(p) && isIgnored(p, patterns)) excludedSources++;
    }
  };
  for (const d of mustInclude) if (statSync(path.join(ROOT, d), { throwIfNoEntry: false })?.isDirectory()) walk(d);
  if (excludedSources) report.error(file, `${excludedSources} TypeScript source file(s) needed by the build are excluded`);
  report.summary(file, `${patterns.length} patterns; build inputs pass, node_modules/dist/.git/.env/tests excluded`);
  if (existsSync(secondary)) {
    const same = readText(secondary).replace(/\r\n/g, '\n') === text.replace(/\r\n/g, '\n');
    if (!same) report.error(rel(secondary), `differs from ${file} (keep the two identical)`);
    else report.summary(rel(secondary), `identical to ${file}`);
  }
  return patterns;
}

// ---------------------------------------------------------------------------------------
// Compose
// ---------------------------------------------------------------------------------------
function readDotenv(abs) {
  const env = new Map();
  if (!existsSync(abs)) return env;
  for (const line of readText(abs).split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m) env.set(m[1], m[2].replace(/^(['"])(.*)\1$/, '$2'));
  }
  return env;
}

/** Compose variable interpolation against `env`; records variables it needed. */
function interpolate(value, env, seen) {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, name, op, arg, bare) => {
      if (m === '$$') return '$';
      const n = name ?? bare;
      const set = env.has(n);
      const v = env.get(n);
      seen.push({ name: n, op: op ?? '', arg });
      switch (op) {
        case ':-':
          return set && v !== '' ? v : interpolate(arg ?? '', env, seen);
        case '-':
          return set ? v : interpolate(arg ?? '', env, seen);
        case ':?':
        case '?':
          return set ? v : '';
        case ':+':
          return set && v !== '' ? interpolate(arg ?? '', env, seen) : '';
        case '+':
          return set ? interpolate(arg ?? '', env, seen) : '';
        default:
          return set ? v : '';
      }
    });
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, env, seen));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, seen)]));
  return value;
}

/** Where a Fengda image's HEALTHCHECK (docker/healthcheck.mjs) would connect. */
function healthcheckTarget(test, env, role, dockerInfo) {
  const argvTest = Array.isArray(test) ? test : ['CMD-SHELL', String(test)];
  const joined = argvTest.join(' ');
  const url = /https?:\/\/[^/\s:'"]+(?::(\d+))?(\/[^\s'"]*)?/.exec(joined);
  if (url) return { port: Number(url[1] ?? 80), path: url[2] ?? '/' };
  if (dockerInfo.healthcheckScript && joined.includes(path.posix.basename(dockerInfo.healthcheckScript))) {
    // docker/healthcheck.mjs: HEALTHCHECK_PORT, else WORKER_PORT for the worker, else PORT
    const port = env.HEALTHCHECK_PORT ?? (role === 'worker' ? (env.WORKER_PORT ?? '3001') : (env.PORT ?? '3000'));
    return { port: Number(port), path: env.HEALTHCHECK_PATH ?? DESIGN.livePath };
  }
  return undefined;
}

async function checkCompose(composeAbs, dockerInfo) {
  const file = rel(composeAbs);
  const out = { services: {}, appEnv: {} };
  if (!existsSync(composeAbs)) {
    report.error(file, 'missing');
    return out;
  }
  const E = (msg, line) => report.error(file, msg, line);
  const W = (msg, line) => report.warn(file, msg, line);
  const { docs } = loadYamlDocs(composeAbs, { merge: true });
  if (docs.length !== 1) {
    if (docs.length > 1) E('expected a single YAML document');
    return out;
  }
  const { lineOf } = docs[0];

  // Schema (compose-spec) and rules, via dclint.
  try {
    const { DCLinter } = await import('dclint');
    const off = ['service-keys-order', 'service-dependencies-alphabetical-order', 'services-alphabetical-order', 'top-level-properties-order', 'service-ports-alphabetical-order', 'no-build-and-image', 'require-quotes-in-ports'];
    const rules = Object.fromEntries(off.map((r) => [r, 0]));
    Object.assign(rules, {
      'service-image-require-explicit-tag': 2,
      'no-unbound-port-interfaces': 2,
      'no-duplicate-exported-ports': 2,
      'no-duplicate-container-names': 2,
      'no-version-field': 2,
      'no-quotes-in-volumes': 1,
      'require-project-name-field': 1,
    });
    const linter = new DCLinter({ rules, quiet: false, debug: false, exclude: [] });
    const [res] = linter.lintFiles([composeAbs], false);
    for (const m of res?.messages ?? []) (m.type === 'error' ? E : W)(`[dclint ${m.rule}] ${m.message}`, m.line);
  } catch (e) {
    W(`dclint unavailable, compose-spec schema not checked: ${e.message}`);
  }

  // Interpolate with docker/.env.example, the documented variables.
  const exampleAbs = path.join(path.dirname(composeAbs), '.env.example');
  const dotenv = readDotenv(exampleAbs);
  const seen = [];
  const raw = docs[0].value;
  const compose = interpolate(raw, dotenv, seen);
  const exFile = rel(exampleAbs);
  const required = [...new Set(seen.filter((s) => s.op.includes('?')).map((s) => s.name))];
  if (!existsSync(exampleAbs)) {
    if (required.length) E(`required variables ${required.join(', ')} are not documented: ${exFile} is missing`);
  } else {
    const missing = required.filter((n) => !dotenv.has(n));
    if (missing.length) report.error(exFile, `required by ${file} but not listed: ${missing.join(', ')}`);
    const unused = [...dotenv.keys()].filter((k) => !seen.some((s) => s.name === k));
    if (unused.length) report.warn(exFile, `not used by ${file}: ${unused.join(', ')}`);
    for (const [k, v] of dotenv) if (!DESIGN.placeholder.test(v) && DESIGN.secretEnv.test(k)) report.error(exFile, `${k} holds a value, not a placeholder: never commit real secrets`);
    report.summary(exFile, `${dotenv.size} variables, all ${required.length} required by the compose file documented (placeholders only)`);
  }
  for (const s of seen) if (!s.op && !dotenv.has(s.name)) W(`\${${s.name}} has no default and is not in ${exFile}: it would be empty`);

  // Unknown keys, named (dclint's schema error only names the parent object).
  try {
    const req = createRequire(import.meta.url);
    const schema = JSON.parse(readText(path.join(path.dirname(req.resolve('dclint/package.json')), 'schemas', 'compose.schema.json')));
    const defs = schema.definitions ?? schema.$defs ?? {};
    const unknownKeys = (obj, def, where, p) => {
      if (!isObj(obj) || !def?.properties || def.additionalProperties !== false) return;
      for (const k of Object.keys(obj))
        if (!(k in def.properties) && !Object.keys(def.patternProperties ?? {}).some((re) => new RegExp(re).test(k)) && k !== '<<')
          E(`${where}: unknown key "${k}"`, lineOf([...p, k]));
    };
    unknownKeys(raw, schema, 'top level', []);
    for (const [n, svc] of Object.entries(isObj(raw.services) ? raw.services : {})) {
      unknownKeys(svc, defs.service, `service ${n}`, ['services', n]);
      unknownKeys(svc?.healthcheck, defs.healthcheck, `service ${n} healthcheck`, ['services', n, 'healthcheck']);
    }
  } catch (e) {
    W(`compose schema not readable for the unknown-key check: ${e.message}`);
  }

  const services = compose.services;
  if (!isObj(services) || !Object.keys(services).length) {
    E('no services');
    return out;
  }
  const names = Object.keys(services);
  const volumes = isObj(compose.volumes) ? Object.keys(compose.volumes) : [];
  const envOf = (svc) => {
    const e = {};
    if (Array.isArray(svc.environment)) {
      for (const kv of svc.environment) {
        const i = String(kv).indexOf('=');
        if (i > 0) e[String(kv).slice(0, i)] = String(kv).slice(i + 1);
      }
    } else if (isObj(svc.environment)) for (const [k, v] of Object.entries(svc.environment)) e[k] = v === null ? '' : String(v);
    return e;
  };
  const isFengda = (svc) => {
    const ctx = svc.build && (typeof svc.build === 'string' ? svc.build : svc.build.context);
    const dockerfile = isObj(svc.build) ? (svc.build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
    if (ctx !== undefined) return path.resolve(path.dirname(composeAbs), ctx, dockerfile) === path.join(DOCKER_DIR, 'Dockerfile');
    return svc.image && parseImageRef(svc.image).repo === DESIGN.imageRepo;
  };
  const argvOf = (v) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(/\s+/).filter(Boolean) : undefined);

  const appImages = new Set();
  const shutdownValues = new Set();
  let dependsCount = 0;
  for (const name of names) {
    const svc = services[name] ?? {};
    const at = (...p) => lineOf(['services', name, ...p]);
    const env = envOf(svc);
    const oneShot = svc.restart === 'no' || svc.restart === undefined || svc.restart === false;
    // images
    if (svc.image) {
      const ref = parseImageRef(svc.image);
      if (!ref.tag && !ref.digest) E(`${name}: image "${svc.image}" has no tag`, at('image'));
      else if (ref.tag === 'latest') E(`${name}: image "${svc.image}" uses "latest"`, at('image'));
    } else if (!svc.build) E(`${name}: neither image nor build`, at());
    // depends_on
    const deps = Array.isArray(svc.depends_on) ? Object.fromEntries(svc.depends_on.map((d) => [d, { condition: 'service_started' }])) : (svc.depends_on ?? {});
    for (const [dep, spec] of Object.entries(deps)) {
      dependsCount++;
      if (!names.includes(dep)) {
        E(`${name}: depends_on "${dep}", which is not a service`, at('depends_on', dep));
        continue;
      }
      const cond = spec?.condition ?? 'service_started';
      const target = services[dep] ?? {};
      if (!['service_started', 'service_healthy', 'service_completed_successfully'].includes(cond)) E(`${name}: unknown depends_on condition "${cond}"`, at('depends_on', dep));
      if (cond === 'service_healthy') {
        const hasHc = (target.healthcheck && !target.healthcheck.disable) || (isFengda(target) && dockerInfo.healthcheck && !target.healthcheck?.disable);
        if (!hasHc) E(`${name}: waits for "${dep}" to be healthy, but "${dep}" has no healthcheck`, at('depends_on', dep));
      }
      if (cond === 'service_completed_successfully' && target.restart && target.restart !== 'no')
        E(`${name}: waits for "${dep}" to complete, but "${dep}" has restart: ${target.restart}`, at('depends_on', dep));
      if (cond === 'service_started' && (target.healthcheck || ['postgres', 'redis'].includes(dep)))
        W(`${name}: depends_on "${dep}" without condition: service_healthy`, at('depends_on', dep));
      if (asArray(target.profiles).length && !asArray(svc.profiles).length)
        E(`${name}: depends on "${dep}", which only runs with profile ${asArray(target.profiles).join('/')}`, at('depends_on', dep));
    }
    // long-running services need a healthcheck
    if (!oneShot && (!svc.healthcheck || svc.healthcheck.disable) && !(isFengda(svc) && dockerInfo.healthcheck))
      E(`${name}: long-running service without a healthcheck`, at());
    if (svc.healthcheck && !svc.healthcheck.disable && !svc.healthcheck.test && !isFengda(svc)) E(`${name}: healthcheck without test`, at('healthcheck'));
    // volumes
    for (const v of asArray(svc.volumes)) {
      const src = typeof v === 'string' ? v.split(':')[0] : v?.source;
      if (!src) continue;
      if (src.startsWith('.') || src.startsWith('/')) {
        if (src.startsWith('.') && !existsSync(path.resolve(path.dirname(composeAbs), src))) E(`${name}: bind mount source "${src}" does not exist`, at('volumes'));
      } else if (!volumes.includes(src)) E(`${name}: volume "${src}" is not declared under top-level volumes`, at('volumes'));
    }
    if (name === 'redis' || /(^|\/)redis$/.test(parseImageRef(svc.image ?? '').name)) {
      const cmd = (argvOf(svc.command) ?? []).join(' ');
      if (!/--appendonly\s+yes/.test(cmd)) E(`${name}: redis without "--appendonly yes": queued jobs would be lost on restart`, at('command'));
      if (/--maxmemory-policy\s+(?!noeviction)/.test(cmd)) E(`${name}: BullMQ needs maxmemory-policy noeviction`, at('command'));
    }

    if (!isFengda(svc)) continue;
    // Fengda app services
    if (svc.image) appImages.add(svc.image);
    if (svc.entrypoint !== undefined) E(`${name}: entrypoint override replaces tini (signal forwarding)`, at('entrypoint'));
    const cmdArgv = argvOf(svc.command) ?? dockerInfo.cmd;
    const role = roleOfArgv(cmdArgv);
    if (!role) {
      E(`${name}: runs ${JSON.stringify(cmdArgv)}, which is none of ${Object.values(DESIGN.roles).map((r) => r.entry).join(', ')}`, at('command'));
      continue;
    }
    checkEntrySource(file, role);
    out.services[name] = role;
    const d = DESIGN.roles[role];
    const need = [...(d.longRunning ? DESIGN.appEnv : []), ...DESIGN.roleEnv[role]];
    for (const n of need) if (!(n in env) && !dockerInfo.env.has(n)) E(`${name}${name === role ? '' : ` (${role})`}: environment ${n} is missing`, at('environment'));
    const nodeEnv = env.NODE_ENV ?? dockerInfo.env.get('NODE_ENV');
    if (nodeEnv !== 'production') E(`${name}: NODE_ENV is "${nodeEnv}", expected production`, at('environment'));
    if (env.LOG_LEVEL && !DESIGN.logLevels.includes(env.LOG_LEVEL)) E(`${name}: LOG_LEVEL "${env.LOG_LEVEL}" is not one of ${DESIGN.logLevels.join(', ')}`, at('environment'));
    if (d.longRunning && 'MIGRATION_DATABASE_URL' in env) W(`${name}: gets MIGRATION_DATABASE_URL (owner credentials); only migrate needs them`, at('environment'));
    for (const key of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'REDIS_URL']) {
      if (!env[key]) continue;
      try {
        const u = new URL(env[key]);
        if (!names.includes(u.hostname) && !['localhost', '127.0.0.1'].includes(u.hostname) && !u.hostname.includes('.'))
          E(`${name}: ${key} points at host "${u.hostname}", which is not a service`, at('environment'));
        if (key === 'REDIS_URL' && u.protocol.startsWith('redis') && u.pathname && !/^\/?\d*$/.test(u.pathname)) E(`${name}: REDIS_URL database "${u.pathname}" is not a number`, at('environment'));
      } catch {
        E(`${name}: ${key} is not a URL`, at('environment'));
      }
    }
    if (!d.longRunning) {
      if (!oneShot) E(`${name} (${role}): one-shot job must have restart: "no"`, at('restart'));
      continue;
    }
    out.appEnv[role] = Object.keys(env);
    // health: right port and path
    const merged = { ...Object.fromEntries(dockerInfo.env), ...env };
    const hcTest = svc.healthcheck?.test ?? dockerInfo.healthcheck;
    const expectedPort = Number(merged[d.portEnv] ?? d.defaultPort);
    const tgt = hcTest ? healthcheckTarget(hcTest, merged, role, dockerInfo) : undefined;
    if (!tgt) W(`${name}: cannot tell what the healthcheck probes`, at('healthcheck'));
    else {
      if (tgt.port !== expectedPort) E(`${name}: healthcheck probes port ${tgt.port}, the ${role} listens on ${expectedPort} (${d.portEnv})`, at('healthcheck'));
      if (tgt.path !== DESIGN.livePath) E(`${name}: healthcheck probes ${tgt.path}, expected ${DESIGN.livePath}`, at('healthcheck'));
    }
    // published ports
    if (role === 'gateway') {
      const published = asArray(svc.ports).map((p) => (typeof p === 'object' ? Number(p.target) : Number(String(p).split(':').pop().split('/')[0])));
      if (!published.includes(expectedPort)) E(`${name}: container port ${expectedPort} is not published`, at('ports'));
    }
    // drain
    const graceMs = Number(merged.SHUTDOWN_GRACE_MS ?? DESIGN.defaultShutdownGraceMs);
    shutdownValues.add(graceMs);
    const stop = svc.stop_grace_period === undefined ? 10 : parseDuration(svc.stop_grace_period);
    if (Number.isNaN(stop)) E(`${name}: stop_grace_period "${svc.stop_grace_period}" is not a duration`, at('stop_grace_period'));
    else if (stop < graceMs / 1000) E(`${name}: stop_grace_period ${stop}s < SHUTDOWN_GRACE_MS ${graceMs / 1000}s: SIGKILL before the drain ends`, at('stop_grace_period'));
    else if (stop < graceMs / 1000 + DESIGN.drainMarginSec) W(`${name}: stop_grace_period ${stop}s leaves less than ${DESIGN.drainMarginSec}s after the ${graceMs / 1000}s drain`, at('stop_grace_period'));
    out.drain = { graceMs, stop };
    if (svc.read_only !== true) W(`${name}: read_only root filesystem not set`, at());
  }
  for (const role of ['gateway', 'worker', 'migrate'])
    if (!Object.values(out.services).includes(role)) E(`no service runs the ${role} (${DESIGN.roles[role].entry})`);
  if (appImages.size > 1) E(`app services use different images: ${[...appImages].join(', ')}`);
  out.image = [...appImages][0];
  // dependency cycles
  const visiting = new Set();
  const done = new Set();
  const visit = (n, trail) => {
    if (done.has(n)) return;
    if (visiting.has(n)) {
      E(`depends_on cycle: ${[...trail, n].join(' -> ')}`);
      return;
    }
    visiting.add(n);
    const deps = services[n]?.depends_on;
    for (const dname of Array.isArray(deps) ? deps : Object.keys(deps ?? {})) if (names.includes(dname)) visit(dname, [...trail, n]);
    visiting.delete(n);
    done.add(n);
  };
  for (const n of names) visit(n, []);
  out.shutdownGraceMs = [...shutdownValues][0];

  report.summary(
    file,
    `${names.length} services (${names.map((n) => (out.services[n] && out.services[n] !== n ? `${n}=${out.services[n]}` : n)).join(', ')}), ` +
      `${dependsCount} depends_on ok, healthchecks ok, drain ${out.drain ? `${out.drain.graceMs / 1000}s <= stop_grace_period ${out.drain.stop}s` : '?'}`,
  );
  return out;
}

// ---------------------------------------------------------------------------------------
// Kubernetes
// ---------------------------------------------------------------------------------------
const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'CustomResourceDefinition', 'PriorityClass', 'ClusterTriggerAuthentication', 'IngressClass']);

/** apiVersion -> [module specifier for the model classes, module prefix for the types, is CRD]. */
function modelModule(apiVersion) {
  if (apiVersion === 'keda.sh/v1alpha1') return ['@kubernetes-models/keda/keda.sh/v1alpha1', '@kubernetes-models/keda/keda.sh/v1alpha1', true];
  if (apiVersion === 'monitoring.coreos.com/v1') {
    const mod = '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
    return [mod, mod, true];
  }
  if (apiVersion.includes('.') && !/\.k8s\.io\//.test(apiVersion)) return [undefined, undefined, true];
  return [`kubernetes-models/${apiVersion}`, `kubernetes-models/${apiVersion}`, false];
}

/** Unknown-field detection from the kubernetes-models type definitions (TypeScript checker). */
async function buildStrictChecker(kinds) {
  let ts;
  try {
    ts = (await import('typescript')).default;
  } catch {
    return undefined;
  }
  const virt = path.join(ROOT, '__validate_docker_types__.ts');
  const entries = kinds.map(({ apiVersion, kind }, i) => ({ apiVersion, kind, alias: `T${i}`, mod: modelModule(apiVersion)[1] })).filter((e) => e.mod);
  const src = `${entries.map((e) => `import type { I${e.kind} as ${e.alias} } from ${JSON.stringify(`${e.mod}/${e.kind}`)};`).join('\n')}
export interface Types { ${entries.map((e) => `${e.alias}: ${e.alias};`).join(' ')} }\n`;
  const options = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
    noEmit: true,
    skipLibCheck: true,
    strict: true,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lv, ...r) => (path.resolve(f) === virt ? ts.createSourceFile(f, src, lv) : getSourceFile(f, lv, ...r));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => path.resolve(f) === virt || fileExists(f);
  const program = ts.createProgram([virt], options, host);
  const sf = program.getSourceFile(virt);
  const broken = new Set();
  for (const d of ts.getPreEmitDiagnostics(program, sf)) {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const e = entries[line];
    if (e) broken.add(`${e.apiVersion}/${e.kind}`);
  }
  const checker = program.getTypeChecker();
  const typesSym = checker.getSymbolAtLocation(sf)?.exports?.get('Types');
  if (!typesSym) return undefined;
  const typesT = checker.getDeclaredTypeOfSymbol(typesSym);
  const byKind = new Map();
  for (const e of entries) {
    if (broken.has(`${e.apiVersion}/${e.kind}`)) continue;
    const p = typesT.getProperty(e.alias);
    if (p) byKind.set(`${e.apiVersion}/${e.kind}`, checker.getTypeOfSymbol(p));
  }
  const members = (t) => (t.isUnion() ? t.types : [t]).filter((x) => !(x.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
  const walk = (value, type, at, outList) => {
    if (value === null || typeof value !== 'object') return;
    const ms = members(type);
    if (Array.isArray(value)) {
      const arr = ms.find((m) => checker.isArrayType(m));
      if (arr) {
        const el = checker.getTypeArguments(arr)[0];
        value.forEach((v, i) => walk(v, el, [...at, i], outList));
      }
      return;
    }
    const objs = ms.filter((m) => m.flags & ts.TypeFlags.Object && !checker.isArrayType(m));
    if (!objs.length) return;
    for (const [k, v] of Object.entries(value)) {
      const owner = objs.find((o) => o.getProperty(k));
      if (owner) {
        walk(v, checker.getTypeOfSymbol(owner.getProperty(k)), [...at, k], outList);
        continue;
      }
      const idx = objs.map((o) => checker.getIndexInfoOfType(o, ts.IndexKind.String)).find(Boolean);
      if (idx) walk(v, idx.type, [...at, k], outList);
      else outList.push([...at, k]);
    }
  };
  return {
    unknownFields(obj) {
      const t = byKind.get(`${obj.apiVersion}/${obj.kind}`);
      if (!t) return undefined;
      const list = [];
      walk(obj, t, [], list);
      return list;
    },
  };
}
const fmtPath = (p) => p.reduce((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');
const instancePathToArray = (ip) =>
  ip
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

function selectorMatches(sel, labels = {}) {
  if (!isObj(sel)) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const ex of sel.matchExpressions ?? []) {
    const has = ex.key in labels;
    if (ex.operator === 'In' && !(has && ex.values?.includes(labels[ex.key]))) return false;
    if (ex.operator === 'NotIn' && has && ex.values?.includes(labels[ex.key])) return false;
    if (ex.operator === 'Exists' && !has) return false;
    if (ex.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
const mapSelectorMatches = (sel, labels = {}) => isObj(sel) && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);

/** The pod template of a workload object, if any. */
function podTemplateOf(o) {
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(o.kind)) return { tpl: o.spec?.template, at: ['spec', 'template'] };
  if (o.kind === 'CronJob') return { tpl: o.spec?.jobTemplate?.spec?.template, at: ['spec', 'jobTemplate', 'spec', 'template'] };
  if (o.kind === 'Pod') return { tpl: { metadata: o.metadata, spec: o.spec }, at: [] };
  return undefined;
}

/** preStop sleep seconds from any supported form, or undefined. */
function preStopSleep(c) {
  const ps = c.lifecycle?.preStop;
  if (!ps) return undefined;
  if (ps.sleep?.seconds !== undefined) return Number(ps.sleep.seconds);
  const cmd = ps.exec?.command;
  if (!Array.isArray(cmd)) return undefined;
  const joined = cmd.join(' ');
  const m = /(?:^|[\s/;&])sleep\s+(\d+(?:\.\d+)?)s?\b/.exec(joined);
  return m ? Number(m[1]) : NaN;
}

async function checkKubernetes(k8sDir, dockerInfo) {
  const out = {};
  if (!existsSync(k8sDir)) {
    report.error(rel(k8sDir), 'missing');
    return out;
  }
  const yamlFiles = readdirSync(k8sDir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  const kustFile = yamlFiles.find((f) => /^kustomization\.ya?ml$/.test(f));
  const objects = []; // { file, line, lineOf, obj }
  for (const f of yamlFiles) {
    if (f === kustFile) continue;
    const { docs } = loadYamlDocs(path.join(k8sDir, f), { version: '1.1' });
    const file = rel(path.join(k8sDir, f));
    report.entry(file);
    if (!docs.length && !report.entry(file).errors.length) report.error(file, 'no Kubernetes object in the file');
    for (const d of docs) {
      if (!isObj(d.value)) {
        report.error(file, 'document is not a mapping', d.line);
        continue;
      }
      for (const k of ['apiVersion', 'kind']) if (typeof d.value[k] !== 'string') report.error(file, `missing ${k}`, d.line);
      if (typeof d.value.metadata?.name !== 'string' || !d.value.metadata.name) report.error(file, 'missing metadata.name', d.line);
      if (typeof d.value.apiVersion === 'string' && typeof d.value.kind === 'string') objects.push({ file, line: d.line, lineOf: d.lineOf, obj: d.value });
    }
  }

  // ---- kustomization: which files are deployed, and the transformations applied to them.
  let kust = {};
  let kustRel;
  if (!kustFile) report.error(rel(k8sDir), 'no kustomization.yaml (needed for kubectl apply -k)');
  else {
    const kAbs = path.join(k8sDir, kustFile);
    kustRel = rel(kAbs);
    const { docs } = loadYamlDocs(kAbs, { version: '1.1' });
    kust = docs[0]?.value ?? {};
    const KE = (m) => report.error(kustRel, m);
    if (kust.apiVersion && kust.apiVersion !== 'kustomize.config.k8s.io/v1beta1') KE(`apiVersion ${kust.apiVersion}`);
    if (kust.kind && kust.kind !== 'Kustomization') KE(`kind ${kust.kind}`);
    const known = ['apiVersion', 'kind', 'namespace', 'resources', 'labels', 'images', 'commonAnnotations'];
    const emulated = new Set(known);
    for (const k of Object.keys(kust)) if (!emulated.has(k)) report.warn(kustRel, `"${k}" is not emulated by this validator: the rendered objects may differ`);
    const resources = asArray(kust.resources);
    for (const r of resources) {
      if (!existsSync(path.join(k8sDir, r))) KE(`resource "${r}" does not exist`);
      else if (statSync(path.join(k8sDir, r)).isDirectory()) report.warn(kustRel, `resource "${r}" is a directory: not validated`);
    }
    for (const f of yamlFiles) if (f !== kustFile && !resources.includes(f)) KE(`${f} is not listed in resources: kubectl apply -k would not deploy it`);
    if (new Set(resources).size !== resources.length) KE('duplicate entries in resources');
    for (const l of asArray(kust.labels)) if (l.includeSelectors) report.warn(kustRel, 'labels.includeSelectors: true changes selectors (immutable on Deployments); not emulated');
    for (const im of asArray(kust.images)) if (!im.name) KE('images entry without name');
    if (kust.namespace !== DESIGN.namespace) KE(`namespace is "${kust.namespace}", expected "${DESIGN.namespace}"`);
  }
  const listed = new Set(asArray(kust.resources).map((r) => rel(path.join(k8sDir, r))));
  const deployed = kustFile ? objects.filter((o) => listed.has(o.file)) : objects;

  // render (namespace, labels, annotations, images) on copies
  const rendered = deployed.map((o) => {
    const obj = structuredClone(o.obj);
    obj.metadata ??= {};
    if (kust.namespace && !CLUSTER_SCOPED.has(obj.kind)) {
      if (obj.metadata.namespace && obj.metadata.namespace !== kust.namespace)
        report.warn(o.file, `${obj.kind}/${obj.metadata.name}: namespace "${obj.metadata.namespace}" is overridden to "${kust.namespace}" by the kustomization`, o.line);
      obj.metadata.namespace = kust.namespace;
    }
    const pt = podTemplateOf(obj);
    for (const l of asArray(kust.labels)) {
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), ...(l.pairs ?? {}) };
      if (l.includeTemplates && pt?.tpl) pt.tpl.metadata = { ...(pt.tpl.metadata ?? {}), labels: { ...(pt.tpl.metadata?.labels ?? {}), ...(l.pairs ?? {}) } };
    }
    if (isObj(kust.commonAnnotations)) obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), ...kust.commonAnnotations };
    const p2 = podTemplateOf(obj);
    for (const c of [...(p2?.tpl?.spec?.containers ?? []), ...(p2?.tpl?.spec?.initContainers ?? [])]) {
      if (typeof c.image !== 'string') continue;
      const ref = parseImageRef(c.image);
      const im = asArray(kust.images).find((i) => i.name === ref.name);
      if (im) c.image = imageToString({ name: im.newName ?? ref.name, tag: im.digest ? undefined : (im.newTag ?? ref.tag), digest: im.digest ?? (im.newTag ? undefined : ref.digest) });
    }
    return { ...o, obj };
  });

  // ---- schema validation (kubernetes-models) + unknown fields
  const kinds = [...new Map(rendered.map((o) => [`${o.obj.apiVersion}/${o.obj.kind}`, { apiVersion: o.obj.apiVersion, kind: o.obj.kind }])).values()];
  const strict = await buildStrictChecker(kinds);
  if (!strict) console.log('note: typescript not available; unknown-field check skipped');
  const modelCache = new Map();
  const schemaVersion = (() => {
    try {
      return JSON.parse(readText(path.join(ROOT, 'node_modules/kubernetes-models/package.json'))).version;
    } catch {
      return '?';
    }
  })();
  for (const o of rendered) {
    const { obj } = o;
    const id = `${obj.kind}/${obj.metadata?.name}`;
    const [mod, , isCrd] = modelModule(obj.apiVersion);
    if (!mod) {
      report.error(o.file, `${id}: no schema available for ${obj.apiVersion} (only Kubernetes built-ins, keda.sh/v1alpha1 and monitoring.coreos.com/v1 are known)`, o.line);
      continue;
    }
    if (!modelCache.has(mod)) modelCache.set(mod, await import(mod).catch(() => null));
    const models = modelCache.get(mod);
    const Model = models?.[obj.kind];
    if (!Model) {
      report.error(o.file, `${id}: unknown kind ${obj.kind} in ${obj.apiVersion}`, o.line);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      const errs = e.errors ?? [{ instancePath: '', message: e.message }];
      for (const er of errs) {
        const p = instancePathToArray(er.instancePath ?? '');
        const extra = er.params?.missingProperty ? '' : er.params?.allowedValues ? ` (${er.params.allowedValues.join(', ')})` : '';
        report.error(o.file, `${id}: ${fmtPath(p) || '(root)'} ${er.message}${extra}`, o.lineOf(p));
      }
    }
    const unknown = strict?.unknownFields(obj);
    for (const p of unknown ?? []) {
      const msg = `${id}: unknown field "${fmtPath(p)}"`;
      if (isCrd) report.warn(o.file, `${msg} (not in the ${mod.split('/').slice(0, 2).join('/')} schema; fine only if your operator's release supports it)`, o.lineOf(p));
      else report.error(o.file, `${msg} (kubectl's strict field validation rejects it)`, o.lineOf(p));
    }
  }

  // ---- index
  const idx = new Map();
  for (const o of rendered) {
    const key = `${o.obj.kind}/${o.obj.metadata?.namespace ?? ''}/${o.obj.metadata?.name}`;
    if (idx.has(key)) report.error(o.file, `duplicate ${o.obj.kind} "${o.obj.metadata.name}" (also in ${idx.get(key).file})`, o.line);
    idx.set(key, o);
  }
  const find = (kind, ns, name) => idx.get(`${kind}/${ns ?? ''}/${name}`);
  const ofKind = (...k) => rendered.filter((o) => k.includes(o.obj.kind));
  const nsOf = (o) => o.obj.metadata?.namespace;
  const checks = new Map(); // rendered object -> short summaries of what was checked
  const note = (o, s) => {
    if (!checks.has(o)) checks.set(o, []);
    checks.get(o).push(s);
  };

  // namespace
  const nsObj = ofKind('Namespace').find((o) => o.obj.metadata.name === DESIGN.namespace);
  if (!nsObj) report.error(kustRel ?? rel(k8sDir), `no Namespace "${DESIGN.namespace}"`);
  for (const o of rendered) {
    if (CLUSTER_SCOPED.has(o.obj.kind)) continue;
    if (nsOf(o) !== DESIGN.namespace) report.error(o.file, `${o.obj.kind}/${o.obj.metadata.name}: namespace "${nsOf(o) ?? '(none)'}", expected "${DESIGN.namespace}"`, o.line);
    else if (!o.obj.metadata.namespace && !kust.namespace) report.warn(o.file, `${o.obj.kind}/${o.obj.metadata.name}: no metadata.namespace`, o.line);
  }

  // ConfigMaps and Secrets
  const dataOf = (o) => ({ ...(o?.obj.data ?? {}), ...(o?.obj.stringData ?? {}) });
  const secretValue = (o, key) => {
    if (o?.obj.stringData && key in o.obj.stringData) return String(o.obj.stringData[key]);
    if (o?.obj.data && key in o.obj.data) return Buffer.from(String(o.obj.data[key]), 'base64').toString('utf8');
    return undefined;
  };
  for (const o of ofKind('ConfigMap')) {
    for (const [k, v] of Object.entries(dataOf(o))) {
      if (DESIGN.secretEnv.test(k)) report.error(o.file, `ConfigMap/${o.obj.metadata.name}: ${k} is a secret: move it to a Secret`, o.lineOf(['data', k]));
      if (/:\/\/[^/\s:@]+:[^/\s@]+@/.test(String(v))) report.error(o.file, `ConfigMap/${o.obj.metadata.name}: ${k} contains credentials`, o.lineOf(['data', k]));
    }
    const d = dataOf(o);
    if (d.NODE_ENV !== undefined && d.NODE_ENV !== 'production') report.error(o.file, `NODE_ENV is "${d.NODE_ENV}", expected production`, o.lineOf(['data', 'NODE_ENV']));
    if (d.LOG_LEVEL !== undefined && !DESIGN.logLevels.includes(d.LOG_LEVEL)) report.error(o.file, `LOG_LEVEL "${d.LOG_LEVEL}" is not one of ${DESIGN.logLevels.join(', ')}`, o.lineOf(['data', 'LOG_LEVEL']));
    if (d.SHUTDOWN_GRACE_MS !== undefined && !/^\d+$/.test(d.SHUTDOWN_GRACE_MS)) report.error(o.file, 'SHUTDOWN_GRACE_MS is not an integer', o.lineOf(['data', 'SHUTDOWN_GRACE_MS']));
  }
  for (const o of ofKind('Secret')) {
    const placeholders = [];
    for (const k of Object.keys(o.obj.data ?? {})) {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(String(o.obj.data[k]))) report.error(o.file, `Secret/${o.obj.metadata.name}: data.${k} is not base64 (use stringData for plain text)`, o.lineOf(['data', k]));
    }
    for (const k of Object.keys(dataOf(o))) {
      const v = secretValue(o, k) ?? '';
      if (DESIGN.placeholder.test(v)) {
        placeholders.push(k);
        continue;
      }
      const min = DESIGN.minSecretLength[k];
      if (min && v.length < min) report.error(o.file, `Secret/${o.obj.metadata.name}: ${k} is ${v.length} characters; the app requires at least ${min} in production`, o.lineOf(['stringData', k]));
      if (/_URL$/.test(k) && v) {
        try {
          new URL(v);
        } catch {
          report.error(o.file, `Secret/${o.obj.metadata.name}: ${k} is not a URL`, o.lineOf(['stringData', k]));
        }
      }
    }
    if (placeholders.length) note(o, `placeholders to replace before deploying: ${placeholders.join(', ')}`);
  }

  // workloads and their containers
  const workloads = rendered.filter((o) => podTemplateOf(o.obj)?.tpl);
  const fengdaImage = (img) => parseImageRef(img ?? '').repo === DESIGN.imageRepo || asArray(kust.images).some((i) => parseImageRef(img ?? '').name === (i.newName ?? i.name) && i.name === DESIGN.imageRepo);
  const roleHolders = {};
  const images = new Set();
  const appEnvK8s = {};

  /** Effective env of a container: image ENV < envFrom < env. */
  const envCache = new Map();
  const resolveEnv = (o, c, at) => {
    if (envCache.has(c)) return envCache.get(c);
    const env = new Map();
    envCache.set(c, env);
    for (const [k, v] of dockerInfo.env) env.set(k, { value: v, from: 'image' });
    const ns = nsOf(o);
    (c.envFrom ?? []).forEach((ef, i) => {
      const prefix = ef.prefix ?? '';
      if (ef.configMapRef) {
        const cm = find('ConfigMap', ns, ef.configMapRef.name);
        if (!cm && !ef.configMapRef.optional) report.error(o.file, `${o.obj.kind}/${o.obj.metadata.name}: container ${c.name}: envFrom ConfigMap "${ef.configMapRef.name}" does not exist`, o.lineOf([...at, 'envFrom', i]));
        for (const [k, v] of Object.entries(dataOf(cm))) env.set(prefix + k, { value: String(v), from: `configmap:${ef.configMapRef.name}` });
      }
      if (ef.secretRef) {
        const s = find('Secret', ns, ef.secretRef.name);
        if (!s && !ef.secretRef.optional) report.error(o.file, `${o.obj.kind}/${o.obj.metadata.name}: container ${c.name}: envFrom Secret "${ef.secretRef.name}" does not exist`, o.lineOf([...at, 'envFrom', i]));
        for (const k of Object.keys(dataOf(s))) env.set(prefix + k, { value: secretValue(s, k), from: `secret:${ef.secretRef.name}`, secret: true });
      }
    });
    const names = new Set();
    (c.env ?? []).forEach((e, i) => {
      if (names.has(e.name)) report.error(o.file, `${o.obj.kind}/${o.obj.metadata.name}: container ${c.name}: env ${e.name} set twice`, o.lineOf([...at, 'env', i]));
      names.add(e.name);
      const vf = e.valueFrom;
      if (vf?.secretKeyRef) {
        const s = find('Secret', ns, vf.secretKeyRef.name);
        if (!vf.secretKeyRef.optional) {
          if (!s) report.error(o.file, `${o.obj.kind}/${o.obj.metadata.name}: container ${c.name}: env ${e.name} -> Secret "${vf.secretKeyRef.name}" does not exist`, o.lineOf([...at, 'env', i]));
          else if (!(vf.secretKeyRef.key in dataOf(s))) report.error(o.file, `${o.obj.kind}/${o.obj.metadata.name}: container ${c.name}: env ${e.name} -> Secret "${vf.secretKeyRef.name}" has no key "${vf.secretKeyRef.key}"`, o.lineOf([...at, 'env', i]));
        }
        env.set(e.name, { value: secretValue(s, vf.secretKeyRef.key), from: `secret:${vf.secretKeyRef.name}`, secret: true });
      } else if (vf?.configMapKeyRef) {
        const cm = find('ConfigMap', ns, vf.configMapKeyRef.name);
        if (!vf.configMapKeyRef.optional) {
          if (!cm) report.error(o.file, `${o.obj.kind}/${o.obj.metadata.name}: container ${c.name}: env ${e.name} -> ConfigMap "${vf.configMapKeyRef.name}" does not exist`, o.lineOf([...at, 'env', i]));
          else if (!(vf.configMapKeyRef.key in dataOf(cm))) report.error(o.file, `${o.obj.kind}/${o.obj.metadata.name}: container ${c.name}: env ${e.name} -> ConfigMap "${vf.configMapKeyRef.name}" has no key "${vf.configMapKeyRef.key}"`, o.lineOf([...at, 'env', i]));
        }
        env.set(e.name, { value: dataOf(cm)[vf.configMapKeyRef.key], from: `configmap:${vf.configMapKeyRef.name}` });
      } else if (vf) env.set(e.name, { value: undefined, from: 'field' });
      else env.set(e.name, { value: e.value ?? '', from: 'literal' });
    });
    return env;
  };

  for (const o of workloads) {
    const { tpl, at } = podTemplateOf(o.obj);
    const id = `${o.obj.kind}/${o.obj.metadata.name}`;
    const E = (m, p) => report.error(o.file, `${id}: ${m}`, o.lineOf(p ?? []));
    const W = (m, p) => report.warn(o.file, `${id}: ${m}`, o.lineOf(p ?? []));
    const spec = tpl.spec ?? {};
    const podLabels = tpl.metadata?.labels ?? {};
    const podSc = spec.securityContext ?? {};
    const done = [];
    // selector
    if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(o.obj.kind)) {
      const sel = o.obj.spec?.selector;
      if (!sel?.matchLabels && !sel?.matchExpressions) E('spec.selector is empty', ['spec', 'selector']);
      else if (!selectorMatches(sel, podLabels)) E('spec.selector does not match the pod template labels', ['spec', 'selector']);
      else done.push('selector ok');
      for (const other of workloads) {
        if (other === o) continue;
        if (selectorMatches(sel, podTemplateOf(other.obj).tpl.metadata?.labels ?? {})) E(`spec.selector also matches the pods of ${other.obj.kind}/${other.obj.metadata.name}`, ['spec', 'selector']);
      }
    }
    for (const [i, t] of (spec.topologySpreadConstraints ?? []).entries())
      if (!selectorMatches(t.labelSelector, podLabels)) E(`topologySpreadConstraints[${i}].labelSelector does not match its own pods`, [...at, 'spec', 'topologySpreadConstraints', i]);
    if (!(spec.topologySpreadConstraints ?? []).length && o.obj.kind === 'Deployment') W('no topologySpreadConstraints', [...at, 'spec']);
    if (spec.automountServiceAccountToken !== false) W('automountServiceAccountToken is not false', [...at, 'spec']);
    if (spec.serviceAccountName && !find('ServiceAccount', nsOf(o), spec.serviceAccountName)) E(`ServiceAccount "${spec.serviceAccountName}" does not exist`, [...at, 'spec', 'serviceAccountName']);
    const volumeNames = new Set((spec.volumes ?? []).map((v) => v.name));
    for (const [vi, v] of (spec.volumes ?? []).entries()) {
      if (v.configMap && !find('ConfigMap', nsOf(o), v.configMap.name) && !v.configMap.optional) E(`volume ${v.name}: ConfigMap "${v.configMap.name}" does not exist`, [...at, 'spec', 'volumes', vi]);
      if (v.secret && !find('Secret', nsOf(o), v.secret.secretName) && !v.secret.optional) E(`volume ${v.name}: Secret "${v.secret.secretName}" does not exist`, [...at, 'spec', 'volumes', vi]);
    }
    const seccomp = podSc.seccompProfile?.type;

    const containers = spec.containers ?? [];
    for (const [ci, c] of containers.entries()) {
      const cat = [...at, 'spec', 'containers', ci];
      const CE = (m, p = []) => E(`container ${c.name}: ${m}`, [...cat, ...p]);
      const CW = (m, p = []) => W(`container ${c.name}: ${m}`, [...cat, ...p]);
      // image
      const ref = parseImageRef(c.image ?? '');
      if (!ref.tag && !ref.digest) CE(`image "${c.image}" has no tag`, ['image']);
      else if (ref.tag === 'latest') CE(`image "${c.image}" uses "latest"`, ['image']);
      for (const [mi, m] of (c.volumeMounts ?? []).entries()) if (!volumeNames.has(m.name)) CE(`volumeMount "${m.name}" has no volume`, ['volumeMounts', mi]);
      // security
      const sc = c.securityContext ?? {};
      const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
      const runAsUser = sc.runAsUser ?? podSc.runAsUser ?? (fengdaImage(c.image) && /^\d+$/.test(dockerInfo.user ?? '') ? Number(dockerInfo.user) : undefined);
      if (runAsNonRoot !== true) CE('runAsNonRoot is not true', ['securityContext']);
      if (runAsUser === 0) CE('runAsUser is 0 (root)', ['securityContext']);
      if (runAsUser === undefined) CW('no numeric runAsUser (pod, container or image USER)', ['securityContext']);
      if (sc.readOnlyRootFilesystem !== true) CE('readOnlyRootFilesystem is not true', ['securityContext']);
      if (sc.allowPrivilegeEscalation !== false) CE('allowPrivilegeEscalation is not false', ['securityContext']);
      if (sc.privileged) CE('privileged', ['securityContext']);
      if (!(sc.capabilities?.drop ?? []).includes('ALL')) CE('capabilities.drop does not include ALL', ['securityContext']);
      if ((sc.capabilities?.add ?? []).length) CE(`adds capabilities ${sc.capabilities.add.join(', ')}`, ['securityContext']);
      if (!['RuntimeDefault', 'Localhost'].includes(sc.seccompProfile?.type ?? seccomp)) CW('no RuntimeDefault seccompProfile', ['securityContext']);
      if (sc.readOnlyRootFilesystem && fengdaImage(c.image) && !(c.volumeMounts ?? []).some((m) => m.mountPath === '/tmp')) CW('read-only root filesystem without a writable /tmp (emptyDir)', ['volumeMounts']);
      // resources
      const r = c.resources ?? {};
      for (const res of ['cpu', 'memory']) {
        if (r.requests?.[res] === undefined) CE(`resources.requests.${res} missing`, ['resources']);
        if (r.limits?.[res] === undefined) CE(`resources.limits.${res} missing`, ['resources']);
        if (r.requests?.[res] !== undefined && r.limits?.[res] !== undefined && parseQuantity(r.requests[res]) > parseQuantity(r.limits[res]))
          CE(`resources.requests.${res} (${r.requests[res]}) > limits (${r.limits[res]})`, ['resources']);
      }
      if (!fengdaImage(c.image)) continue;

      // Fengda containers
      images.add(c.image);
      if (c.command !== undefined && !['tini', 'tini-static', 'dumb-init'].includes(path.posix.basename(asArray(c.command)[0] ?? '')))
        CE('sets `command`, which replaces the image ENTRYPOINT (tini): use `args` to choose the app', ['command']);
      const procArgv = c.command !== undefined ? [...asArray(c.command), ...asArray(c.args)] : c.args !== undefined ? asArray(c.args) : dockerInfo.cmd;
      const role = roleOfArgv(procArgv);
      if (!role) {
        CE(`runs ${JSON.stringify(procArgv)}: none of ${Object.values(DESIGN.roles).map((x) => x.entry).join(', ')}`, ['args']);
        continue;
      }
      checkEntrySource(o.file, role);
      (roleHolders[role] ??= []).push({ o, c, ci, cat });
      const d = DESIGN.roles[role];
      const env = resolveEnv(o, c, cat);
      const need = [...(d.longRunning ? DESIGN.appEnv : []), ...DESIGN.roleEnv[role]];
      for (const n of need) if (!env.has(n)) CE(`${role}: env ${n} is not set`, ['env']);
      for (const [n, v] of env)
        if (DESIGN.secretEnv.test(n) && !v.secret && v.from !== 'image') CE(`env ${n} comes from ${v.from}; secrets must come from a Secret`, ['env']);
      if (env.get('NODE_ENV')?.value !== 'production') CE(`NODE_ENV is "${env.get('NODE_ENV')?.value}", expected production`, ['env']);
      if (d.longRunning && env.has('MIGRATION_DATABASE_URL')) CW('gets MIGRATION_DATABASE_URL (owner credentials); only the migration Job needs them', ['env']);
      if (d.longRunning) appEnvK8s[role] = [...env.keys()];
      done.push(`runs ${role}`, 'env ok', 'non-root, read-only');

      if (!d.longRunning) {
        if (o.obj.kind !== 'Job' && o.obj.kind !== 'CronJob') CE(`${role} is a one-shot process but runs in a ${o.obj.kind}`);
        if (!['Never', 'OnFailure'].includes(spec.restartPolicy)) CE('Job pods need restartPolicy Never or OnFailure', []);
        if (o.obj.kind === 'Job') {
          if (o.obj.spec?.backoffLimit === undefined) W('no backoffLimit (default 6)', ['spec']);
          if (o.obj.spec?.activeDeadlineSeconds === undefined) W('no activeDeadlineSeconds: a stuck migration would hang forever', ['spec']);
          if (o.obj.spec?.ttlSecondsAfterFinished === undefined) W('no ttlSecondsAfterFinished: the finished Job blocks the next apply with a new image (immutable template)', ['spec']);
        }
        continue;
      }
      if (o.obj.kind !== 'Deployment') CE(`${role} should run in a Deployment`);

      // ports and probes
      const portVal = env.get(d.portEnv)?.value;
      const expectedPort = Number(portVal ?? d.defaultPort);
      const ports = c.ports ?? [];
      const containerPort = ports.find((p) => Number(p.containerPort) === expectedPort);
      if (!containerPort) CE(`no containerPort ${expectedPort} (${d.portEnv})`, ['ports']);
      const resolvePort = (p) => (typeof p === 'number' ? p : /^\d+$/.test(String(p)) ? Number(p) : Number(ports.find((x) => x.name === p)?.containerPort ?? NaN) || undefined);
      const probes = { startupProbe: DESIGN.livePath, livenessProbe: DESIGN.livePath, readinessProbe: DESIGN.readyPath };
      for (const [kind, wantPath] of Object.entries(probes)) {
        const p = c[kind];
        if (!p) {
          CE(`${kind} missing`);
          continue;
        }
        if (!p.httpGet) {
          CE(`${kind} is not an httpGet probe on ${wantPath}`, [kind]);
          continue;
        }
        if (p.httpGet.path !== wantPath) CE(`${kind} probes ${p.httpGet.path}, expected ${wantPath}`, [kind, 'httpGet', 'path']);
        const port = resolvePort(p.httpGet.port);
        if (port === undefined) CE(`${kind} port "${p.httpGet.port}" is not a declared containerPort`, [kind, 'httpGet', 'port']);
        else if (port !== expectedPort) CE(`${kind} probes port ${port}, the ${role} listens on ${expectedPort}`, [kind, 'httpGet', 'port']);
        if ((p.httpGet.scheme ?? 'HTTP') !== 'HTTP') CE(`${kind} scheme ${p.httpGet.scheme}: the app serves plain HTTP`, [kind]);
        const period = p.periodSeconds ?? 10;
        const timeout = p.timeoutSeconds ?? 1;
        const failures = p.failureThreshold ?? 3;
        if (timeout >= period) CW(`${kind}: timeoutSeconds ${timeout} >= periodSeconds ${period}`, [kind]);
        if (kind === 'startupProbe' && period * failures < 20) CW(`startupProbe allows only ${period * failures}s to boot`, [kind]);
        if (kind === 'livenessProbe' && period * failures < 15) CW(`livenessProbe restarts after only ${period * failures}s`, [kind]);
        if (kind === 'readinessProbe' && period * failures > 30) CW(`readinessProbe takes ${period * failures}s to take a failing pod out`, [kind]);
        if (kind === 'livenessProbe' && (p.successThreshold ?? 1) !== 1) CE('livenessProbe.successThreshold must be 1', [kind]);
      }
      if (c.livenessProbe?.httpGet?.path === DESIGN.readyPath) CE('livenessProbe on the readiness endpoint: a dependency outage would restart every pod');

      // drain timing
      const graceMsRaw = env.get('SHUTDOWN_GRACE_MS')?.value ?? String(DESIGN.defaultShutdownGraceMs);
      const graceMs = Number(graceMsRaw);
      if (!Number.isInteger(graceMs)) CE(`SHUTDOWN_GRACE_MS "${graceMsRaw}" is not an integer`, ['env']);
      const sleep = preStopSleep(c);
      if (sleep === undefined) CE('no preStop sleep: endpoints may still route to the pod after SIGTERM', ['lifecycle']);
      else if (Number.isNaN(sleep)) CE('preStop hook is not a recognisable sleep', ['lifecycle', 'preStop']);
      else if (sleep < 3 || sleep > 15) CW(`preStop sleep ${sleep}s (expected ~5s)`, ['lifecycle', 'preStop']);
      const tgps = spec.terminationGracePeriodSeconds ?? 30;
      const needed = (sleep || 0) + graceMs / 1000;
      if (tgps < needed) E(`terminationGracePeriodSeconds ${tgps} < preStop ${sleep || 0}s + SHUTDOWN_GRACE_MS ${graceMs / 1000}s = ${needed}s: SIGKILL mid-drain`, [...at, 'spec', 'terminationGracePeriodSeconds']);
      else if (tgps < needed + DESIGN.drainMarginSec) W(`terminationGracePeriodSeconds ${tgps} leaves under ${DESIGN.drainMarginSec}s after preStop + drain (${needed}s)`, [...at, 'spec', 'terminationGracePeriodSeconds']);
      out[role] = { graceMs, sleep, tgps, port: expectedPort, env };
      done.push(`probes :${expectedPort} ${DESIGN.livePath} + ${DESIGN.readyPath}`, `drain preStop ${sleep}s + ${graceMs / 1000}s <= ${tgps}s`);
    }
    note(o, done.join(', '));
  }

  // every design role deployed once
  for (const role of Object.keys(DESIGN.roles)) {
    const holders = roleHolders[role] ?? [];
    if (role === 'seed') continue;
    if (!holders.length) report.error(kustRel ?? rel(k8sDir), `no container runs the ${role} (${DESIGN.roles[role].entry})`);
    if (holders.length > 1 && DESIGN.roles[role].longRunning) report.error(holders[1].o.file, `the ${role} runs in more than one workload`);
  }
  if (images.size > 1) report.error(kustRel ?? rel(k8sDir), `Fengda containers use different images after kustomize: ${[...images].join(', ')}`);
  out.image = [...images][0];
  const deploymentOf = (role) => roleHolders[role]?.[0]?.o;

  // Services
  const scrapeOk = (o, port) => {
    const a = o.obj.metadata.annotations ?? {};
    if (a['prometheus.io/scrape'] !== 'true') return 'prometheus.io/scrape is not "true"';
    if (a['prometheus.io/path'] && a['prometheus.io/path'] !== DESIGN.metricsPath) return `prometheus.io/path is ${a['prometheus.io/path']}, expected ${DESIGN.metricsPath}`;
    if (a['prometheus.io/port'] && Number(a['prometheus.io/port']) !== port) return `prometheus.io/port ${a['prometheus.io/port']} is not the container port ${port}`;
    return undefined;
  };
  const servicesOf = new Map();
  for (const o of ofKind('Service')) {
    const id = `Service/${o.obj.metadata.name}`;
    const sel = o.obj.spec?.selector;
    const matched = workloads.filter((w) => nsOf(w) === nsOf(o) && mapSelectorMatches(sel, podTemplateOf(w.obj).tpl.metadata?.labels));
    if (!matched.length) {
      report.error(o.file, `${id}: selector ${JSON.stringify(sel)} matches no pods`, o.lineOf(['spec', 'selector']));
      continue;
    }
    for (const w of matched) {
      if (w.obj.kind === 'Job' || w.obj.kind === 'CronJob') report.error(o.file, `${id}: selector also matches the pods of ${w.obj.kind}/${w.obj.metadata.name}`, o.lineOf(['spec', 'selector']));
      servicesOf.set(w, [...(servicesOf.get(w) ?? []), o]);
    }
    const deps = matched.filter((w) => w.obj.kind === 'Deployment');
    for (const [pi, p] of (o.obj.spec?.ports ?? []).entries()) {
      const target = p.targetPort ?? p.port;
      for (const w of deps) {
        const cs = podTemplateOf(w.obj).tpl.spec?.containers ?? [];
        const cp = cs.flatMap((c) => c.ports ?? []).find((x) => (typeof target === 'number' ? x.containerPort === target : x.name === target));
        if (!cp) report.error(o.file, `${id}: targetPort ${target} is not a container port of ${w.obj.kind}/${w.obj.metadata.name}`, o.lineOf(['spec', 'ports', pi]));
        else {
          const problem = scrapeOk(o, cp.containerPort);
          if (problem) report.warn(o.file, `${id}: ${problem}`, o.lineOf(['metadata', 'annotations']));
          note(o, `:${p.port} -> ${w.obj.metadata.name}:${cp.containerPort}${problem ? '' : ', Prometheus annotations ok'}`);
        }
      }
    }
  }
  const gw = deploymentOf('gateway');
  if (gw) {
    const svc = (servicesOf.get(gw) ?? []).find((s) => (s.obj.spec?.type ?? 'ClusterIP') === 'ClusterIP' && s.obj.spec?.clusterIP !== 'None');
    if (!svc) report.error(gw.file, `Deployment/${gw.obj.metadata.name}: no ClusterIP Service selects the gateway`, gw.line);
    else if (!(svc.obj.spec.ports ?? []).some((p) => p.port === DESIGN.gatewayServicePort))
      report.error(svc.file, `Service/${svc.obj.metadata.name}: no port ${DESIGN.gatewayServicePort} -> ${out.gateway?.port ?? 3000}`, svc.line);
  }

  // HPAs and KEDA ScaledObjects
  const scaled = new Map();
  const workloadByRef = (o, ref) => (ref ? find(ref.kind ?? 'Deployment', nsOf(o), ref.name) : undefined);
  for (const o of ofKind('HorizontalPodAutoscaler')) {
    const id = `HorizontalPodAutoscaler/${o.obj.metadata.name}`;
    const s = o.obj.spec ?? {};
    const t = workloadByRef(o, s.scaleTargetRef);
    if (!t) {
      report.error(o.file, `${id}: scaleTargetRef ${s.scaleTargetRef?.kind}/${s.scaleTargetRef?.name} does not exist`, o.lineOf(['spec', 'scaleTargetRef']));
      continue;
    }
    scaled.set(t, [...(scaled.get(t) ?? []), o]);
    const min = s.minReplicas ?? 1;
    if (min < 2) report.error(o.file, `${id}: minReplicas ${min} < 2 (no redundancy)`, o.lineOf(['spec', 'minReplicas']));
    if (s.maxReplicas < min) report.error(o.file, `${id}: maxReplicas < minReplicas`, o.lineOf(['spec', 'maxReplicas']));
    const rep = t.obj.spec?.replicas;
    if (rep !== undefined && (rep < min || rep > s.maxReplicas)) report.error(t.file, `${t.obj.kind}/${t.obj.metadata.name}: replicas ${rep} outside the HPA range [${min}, ${s.maxReplicas}]`, t.lineOf(['spec', 'replicas']));
    const cpuMetric = (s.metrics ?? []).find((m) => m.type === 'Resource' && m.resource?.name === 'cpu');
    if (t === gw && !cpuMetric) report.error(o.file, `${id}: the gateway HPA must scale on CPU`, o.lineOf(['spec', 'metrics']));
    if (cpuMetric?.resource?.target?.type === 'Utilization') {
      for (const c of podTemplateOf(t.obj).tpl.spec?.containers ?? [])
        if (!c.resources?.requests?.cpu) report.error(o.file, `${id}: CPU utilization needs resources.requests.cpu on container ${c.name}`, o.lineOf(['spec', 'metrics']));
    }
    const down = s.behavior?.scaleDown;
    if ((down?.stabilizationWindowSeconds ?? 300) < 60) report.warn(o.file, `${id}: scaleDown stabilization under 60s may flap`, o.lineOf(['spec', 'behavior']));
    note(o, `-> ${t.obj.kind}/${t.obj.metadata.name}, ${min}..${s.maxReplicas}${cpuMetric ? `, cpu ${cpuMetric.resource.target.averageUtilization ?? cpuMetric.resource.target.averageValue}%` : ''}`);
  }
  for (const o of ofKind('TriggerAuthentication')) {
    for (const [i, r] of (o.obj.spec?.secretTargetRef ?? []).entries()) {
      const s = find('Secret', nsOf(o), r.name);
      if (!s) report.error(o.file, `TriggerAuthentication/${o.obj.metadata.name}: Secret "${r.name}" does not exist`, o.lineOf(['spec', 'secretTargetRef', i]));
      else if (!(r.key in dataOf(s))) report.error(o.file, `TriggerAuthentication/${o.obj.metadata.name}: Secret "${r.name}" has no key "${r.key}"`, o.lineOf(['spec', 'secretTargetRef', i]));
    }
  }
  for (const o of ofKind('ScaledObject')) {
    const id = `ScaledObject/${o.obj.metadata.name}`;
    const E = (m, p) => report.error(o.file, `${id}: ${m}`, o.lineOf(p ?? []));
    const W = (m, p) => report.warn(o.file, `${id}: ${m}`, o.lineOf(p ?? []));
    const s = o.obj.spec ?? {};
    const t = workloadByRef(o, s.scaleTargetRef);
    let envC;
    if (!t) E(`scaleTargetRef ${s.scaleTargetRef?.kind ?? 'Deployment'}/${s.scaleTargetRef?.name} does not exist`, ['spec', 'scaleTargetRef']);
    else {
      scaled.set(t, [...(scaled.get(t) ?? []), o]);
      if (t.obj.spec?.replicas !== undefined) W(`${t.obj.kind}/${t.obj.metadata.name} sets spec.replicas: every apply resets what KEDA scaled to`, ['spec', 'scaleTargetRef']);
      const containers = podTemplateOf(t.obj).tpl.spec?.containers ?? [];
      envC = s.scaleTargetRef.envSourceContainerName ? containers.find((c) => c.name === s.scaleTargetRef.envSourceContainerName) : containers[0];
      if (!envC) E(`envSourceContainerName "${s.scaleTargetRef.envSourceContainerName}" is not a container of the target`, ['spec', 'scaleTargetRef']);
    }
    const K = DESIGN.keda;
    const min = s.minReplicaCount ?? 0;
    if (min < K.minReplicaCountAtLeast) E(`minReplicaCount ${min} < ${K.minReplicaCountAtLeast}`, ['spec', 'minReplicaCount']);
    if (s.maxReplicaCount !== K.maxReplicaCount) E(`maxReplicaCount ${s.maxReplicaCount}, the design says ${K.maxReplicaCount}`, ['spec', 'maxReplicaCount']);
    const beh = s.advanced?.horizontalPodAutoscalerConfig?.behavior;
    const bp = ['spec', 'advanced', 'horizontalPodAutoscalerConfig', 'behavior'];
    if (!beh) E('no advanced.horizontalPodAutoscalerConfig.behavior', ['spec']);
    else {
      const up = beh.scaleUp ?? {};
      if ((up.stabilizationWindowSeconds ?? 0) !== K.scaleUp.stabilizationWindowSeconds) E(`scaleUp.stabilizationWindowSeconds ${up.stabilizationWindowSeconds}, expected ${K.scaleUp.stabilizationWindowSeconds}`, [...bp, 'scaleUp']);
      const upP = (up.policies ?? []).filter((p) => p.type === 'Percent' && p.value >= K.scaleUp.percentAtLeast && p.periodSeconds >= K.scaleUp.periodSeconds[0] && p.periodSeconds <= K.scaleUp.periodSeconds[1]);
      if (!upP.length) E(`scaleUp needs a Percent policy >= ${K.scaleUp.percentAtLeast}% per ${K.scaleUp.periodSeconds.join('-')}s (double fast)`, [...bp, 'scaleUp']);
      if (up.selectPolicy === 'Min' && (up.policies ?? []).length > 1) W('scaleUp selectPolicy Min: the slowest policy wins', [...bp, 'scaleUp']);
      if (up.selectPolicy === 'Disabled') E('scaleUp is disabled', [...bp, 'scaleUp']);
      const down = beh.scaleDown ?? {};
      if ((down.stabilizationWindowSeconds ?? 300) < K.scaleDown.stabilizationWindowSeconds) E(`scaleDown.stabilizationWindowSeconds ${down.stabilizationWindowSeconds} < ${K.scaleDown.stabilizationWindowSeconds}`, [...bp, 'scaleDown']);
      if (down.stabilizationWindowSeconds === undefined) W(`scaleDown.stabilizationWindowSeconds not set (default 300)`, [...bp, 'scaleDown']);
      const dps = down.policies ?? [];
      const slow = (p) => p.type === 'Percent' && p.value <= K.scaleDown.percentAtMost && p.periodSeconds >= K.scaleDown.periodSecondsAtLeast;
      if (down.selectPolicy === 'Disabled') W('scaleDown is disabled: the workers never scale in', [...bp, 'scaleDown']);
      else if (!dps.length) E('scaleDown has no policies (the default allows -100% per 15s)', [...bp, 'scaleDown']);
      // selectPolicy Min: the slowest policy governs, so one slow policy suffices; Max (default): every policy must be slow.
      else if (down.selectPolicy === 'Min' ? !dps.some(slow) : !dps.every(slow))
        E(`scaleDown policies ${dps.map((p) => `${p.type} ${p.value}/${p.periodSeconds}s`).join(', ')} (selectPolicy ${down.selectPolicy ?? 'Max'}) allow more than ${K.scaleDown.percentAtMost}% per ${K.scaleDown.periodSecondsAtLeast}s`, [...bp, 'scaleDown', 'policies']);
    }
    // trigger: Redis list = the answer queue's wait list, same Redis as the app
    const triggers = s.triggers ?? [];
    const redisT = triggers.filter((tr) => tr.type === 'redis');
    if (!redisT.length) E('no redis trigger', ['spec', 'triggers']);
    const cenv = envC ? resolveEnv(t, envC, []) : new Map();
    const prefix = cenv.get('REDIS_PREFIX')?.value ?? K.defaultRedisPrefix;
    const redisUrlRaw = cenv.get('REDIS_URL')?.value;
    let redisUrl;
    try {
      redisUrl = redisUrlRaw ? new URL(redisUrlRaw) : undefined;
    } catch {
      redisUrl = undefined;
    }
    for (const tr of redisT) {
      const ti = triggers.indexOf(tr);
      const tp = ['spec', 'triggers', ti];
      const md = tr.metadata ?? {};
      const want = K.waitKey(prefix);
      const from = bullPrefixSource ? `BullMQ prefix from ${bullPrefixSource.file}` : 'no bullPrefix found in libs/queue: assumed "<prefix>:bull"';
      if (md.listName !== want) E(`redis trigger listName "${md.listName}", but the app's answer queue wait list is "${want}" (REDIS_PREFIX=${prefix}; ${from})`, [...tp, 'metadata', 'listName']);
      if (!bullPrefixSource) W(`${from}; listName not verified against the source`, [...tp, 'metadata', 'listName']);
      if (!/^\d+$/.test(md.listLength ?? '') || Number(md.listLength) < 1) E(`listLength "${md.listLength}" must be a positive integer string`, [...tp, 'metadata']);
      let address = md.address ?? (md.host ? `${md.host}:${md.port ?? 6379}` : undefined);
      if (md.addressFromEnv && envC) {
        const v = cenv.get(md.addressFromEnv);
        if (!v) E(`addressFromEnv ${md.addressFromEnv} is not in the environment of container ${envC?.name}`, [...tp, 'metadata', 'addressFromEnv']);
        address = v?.value;
      }
      if (!address && !(md.addressFromEnv && !envC)) E('redis trigger has no address/addressFromEnv/host', [...tp, 'metadata']);
      else if (/:\/\//.test(address)) E(`redis address "${address}" must be host:port, not a URL`, [...tp, 'metadata']);
      else if (redisUrl && `${redisUrl.hostname}:${redisUrl.port || 6379}` !== address) E(`the scaler watches ${address}, the app's REDIS_URL points at ${redisUrl.hostname}:${redisUrl.port || 6379}`, [...tp, 'metadata']);
      const db = redisUrl ? Number(redisUrl.pathname.replace('/', '') || 0) : 0;
      if (Number(md.databaseIndex ?? 0) !== db) E(`databaseIndex ${md.databaseIndex ?? 0}, the app uses Redis DB ${db}`, [...tp, 'metadata', 'databaseIndex']);
      if (redisUrl && (redisUrl.protocol === 'rediss:') !== (md.enableTLS === 'true')) E(`enableTLS "${md.enableTLS}" does not match REDIS_URL (${redisUrl.protocol})`, [...tp, 'metadata']);
      const hasPassword = redisUrl && redisUrl.password;
      if (tr.authenticationRef) {
        const kind = tr.authenticationRef.kind ?? 'TriggerAuthentication';
        const ta = kind === 'ClusterTriggerAuthentication' ? find(kind, undefined, tr.authenticationRef.name) : find(kind, nsOf(o), tr.authenticationRef.name);
        if (!ta) E(`authenticationRef ${kind}/${tr.authenticationRef.name} does not exist`, [...tp, 'authenticationRef']);
        else if (hasPassword && !(ta.obj.spec?.secretTargetRef ?? []).some((r) => r.parameter === 'password')) E(`REDIS_URL has a password but ${kind}/${ta.obj.metadata.name} provides none`, [...tp, 'authenticationRef']);
      } else if (hasPassword && !md.passwordFromEnv) E('REDIS_URL has a password but the trigger has no authenticationRef/passwordFromEnv', tp);
      note(o, `-> ${t?.obj.kind}/${t?.obj.metadata.name}: redis ${md.listName} (DB ${md.databaseIndex ?? 0}, target ${md.listLength}/replica), ${min}..${s.maxReplicaCount}, out +100%/${beh?.scaleUp?.policies?.[0]?.periodSeconds}s, in -${beh?.scaleDown?.policies?.[0]?.value}%/${beh?.scaleDown?.policies?.[0]?.periodSeconds}s after ${beh?.scaleDown?.stabilizationWindowSeconds}s`);
    }
  }
  for (const [t, list] of scaled) if (list.length > 1) report.error(list[1].file, `${t.obj.kind}/${t.obj.metadata.name} is targeted by ${list.length} autoscalers: ${list.map((x) => `${x.obj.kind}/${x.obj.metadata.name}`).join(', ')}`, list[1].line);
  if (gw && !(scaled.get(gw) ?? []).some((x) => x.obj.kind === 'HorizontalPodAutoscaler')) report.error(gw.file, `Deployment/${gw.obj.metadata.name}: no HorizontalPodAutoscaler`, gw.line);
  const wk = deploymentOf('worker');
  if (wk && !(scaled.get(wk) ?? []).some((x) => x.obj.kind === 'ScaledObject')) report.error(wk.file, `Deployment/${wk.obj.metadata.name}: no KEDA ScaledObject`, wk.line);

  // PodDisruptionBudgets
  const pdbOf = new Map();
  for (const o of ofKind('PodDisruptionBudget')) {
    const id = `PodDisruptionBudget/${o.obj.metadata.name}`;
    const s = o.obj.spec ?? {};
    const matched = workloads.filter((w) => w.obj.kind !== 'Job' && nsOf(w) === nsOf(o) && selectorMatches(s.selector, podTemplateOf(w.obj).tpl.metadata?.labels));
    if (!matched.length) {
      report.error(o.file, `${id}: selector matches no Deployment's pods`, o.lineOf(['spec', 'selector']));
      continue;
    }
    if (matched.length > 1) report.warn(o.file, `${id}: selector spans ${matched.map((m) => m.obj.metadata.name).join(', ')}`, o.lineOf(['spec', 'selector']));
    for (const w of matched) pdbOf.set(w, o);
    const replicasMin = Math.min(...matched.map((w) => w.obj.spec?.replicas ?? (scaled.get(w)?.[0]?.obj.spec?.minReplicas ?? scaled.get(w)?.[0]?.obj.spec?.minReplicaCount ?? 1)));
    if (s.maxUnavailable !== undefined && (s.maxUnavailable === 0 || s.maxUnavailable === '0%')) report.error(o.file, `${id}: maxUnavailable 0 blocks every node drain`, o.lineOf(['spec']));
    if (typeof s.minAvailable === 'number' && s.minAvailable >= replicasMin) report.error(o.file, `${id}: minAvailable ${s.minAvailable} >= replicas ${replicasMin}: blocks node drains`, o.lineOf(['spec']));
    if (s.minAvailable === '100%') report.error(o.file, `${id}: minAvailable 100% blocks node drains`, o.lineOf(['spec']));
    note(o, `-> ${matched.map((m) => m.obj.metadata.name).join(', ')} (${s.maxUnavailable !== undefined ? `maxUnavailable ${s.maxUnavailable}` : `minAvailable ${s.minAvailable}`})`);
  }
  for (const role of ['gateway', 'worker']) {
    const w = deploymentOf(role);
    if (w && !pdbOf.has(w)) report.error(w.file, `Deployment/${w.obj.metadata.name}: no PodDisruptionBudget`, w.line);
  }

  // NetworkPolicies: selectors select something; the app ports stay reachable.
  const nps = ofKind('NetworkPolicy');
  for (const o of nps) {
    const sel = o.obj.spec?.podSelector ?? {};
    const empty = !Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length;
    if (!empty && !workloads.some((w) => nsOf(w) === nsOf(o) && selectorMatches(sel, podTemplateOf(w.obj).tpl.metadata?.labels))) report.error(o.file, `NetworkPolicy/${o.obj.metadata.name}: podSelector matches no pods`, o.lineOf(['spec', 'podSelector']));
    else note(o, empty ? 'all pods' : 'selector ok');
  }
  const policiesFor = (w) =>
    nps.filter((p) => {
      const sel = p.obj.spec?.podSelector ?? {};
      const empty = !Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length;
      return nsOf(p) === nsOf(w) && (empty || selectorMatches(sel, podTemplateOf(w.obj).tpl.metadata?.labels)) && (p.obj.spec?.policyTypes ?? ['Ingress']).includes('Ingress');
    });
  for (const role of ['gateway', 'worker']) {
    const w = deploymentOf(role);
    const port = out[role]?.port;
    if (!w || !port) continue;
    const pols = policiesFor(w);
    if (!pols.length) continue; // no isolation: everything allowed
    const allowed = pols.some((p) => (p.obj.spec?.ingress ?? []).some((rule) => !rule.ports || rule.ports.some((pp) => pp.port === port || (typeof pp.port === 'string' && (podTemplateOf(w.obj).tpl.spec?.containers ?? []).some((c) => (c.ports ?? []).some((cp) => cp.name === pp.port && cp.containerPort === port))))));
    if (!allowed) report.error(w.file, `Deployment/${w.obj.metadata.name}: NetworkPolicies isolate the pods but none allows ingress to port ${port}`, w.line);
  }

  await checkMonitoring({ ofKind, nsOf, note });

  // Summaries per file
  for (const f of new Set([...objects.map((o) => o.file)])) {
    const objs = rendered.filter((o) => o.file === f).map((o) => `${o.obj.kind}/${o.obj.metadata.name}${checks.has(o) ? ` (${checks.get(o).join('; ')})` : ''}`);
    const deployedNote = listed.has(f) || !kustFile ? '' : ' (not in kustomization)';
    const names = rendered.filter((o) => o.file === f).map((o) => `${o.obj.kind}/${o.obj.metadata.name}`);
    report.summary(f, `schema ok: ${objs.join('; ') || 'nothing deployed'}${deployedNote}`, names.join(', ') || undefined);
  }
  out.schemaVersion = schemaVersion;
  if (kustRel) {
    report.summary(
      kustRel,
      `namespace ${kust.namespace}, ${asArray(kust.resources).length} resources -> ${rendered.length} objects, image ${out.image ?? '?'}; ` +
        `all objects valid against the kubernetes-models ${schemaVersion} / @kubernetes-models/keda / @kubernetes-models/prometheus-operator schemas, no unknown fields`,
    );
  }
  out.appEnv = appEnvK8s;
  out.rendered = rendered;
  return out;
}

// ---------------------------------------------------------------------------------------
// Prometheus Operator objects: what the ServiceMonitors scrape, and whether the alert rules
// parse and name metrics the apps export.
// ---------------------------------------------------------------------------------------

/** Metric names the apps export: the `fengda_…` literals in their sources, and prom-client's default metrics. */
async function exportedMetricNames() {
  const names = new Set(['up']);
  for (const dir of ['apps', 'libs'].map((d) => path.join(ROOT, d)).filter((d) => existsSync(d))) {
    for (const abs of filesUnder(dir)) {
      if (abs.endsWith('.ts') && !abs.endsWith('.spec.ts')) for (const m of readText(abs).matchAll(/'(fengda_[a-z0-9_]+)'/g)) names.add(m[1]);
    }
  }
  const { Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fengda_' });
  for (const m of await registry.getMetricsAsJSON()) names.add(m.name);
  return names;
}

const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;
const SEVERITIES = ['critical', 'warning', 'info'];

async function checkMonitoring({ ofKind, nsOf, note }) {
  const monitors = ofKind('ServiceMonitor');
  const rules = ofKind('PrometheusRule');
  if (!monitors.length && !rules.length) return;

  // ServiceMonitors: each selects Services that exist, on ports they have, at the apps' metrics path; together they
  // cover the gateway's and the worker's metrics Services.
  const services = ofKind('Service');
  const covered = new Set();
  for (const o of monitors) {
    const id = `ServiceMonitor/${o.obj.metadata.name}`;
    const s = o.obj.spec ?? {};
    const namespaces = s.namespaceSelector?.any ? undefined : (s.namespaceSelector?.matchNames ?? [nsOf(o)]);
    const matched = services.filter((svc) => (!namespaces || namespaces.includes(nsOf(svc))) && selectorMatches(s.selector ?? {}, svc.obj.metadata?.labels));
    if (!matched.length) report.error(o.file, `${id}: its selector matches no Service`, o.lineOf(['spec', 'selector']));
    for (const [i, ep] of (s.endpoints ?? []).entries()) {
      if (!ep.port) report.error(o.file, `${id}: endpoint ${i} names no port (a Service port name)`, o.lineOf(['spec', 'endpoints', i]));
      for (const svc of matched) {
        if (ep.port && !(svc.obj.spec?.ports ?? []).some((p) => p.name === ep.port)) report.error(o.file, `${id}: Service/${svc.obj.metadata.name} has no port named "${ep.port}"`, o.lineOf(['spec', 'endpoints', i, 'port']));
        else covered.add(svc);
      }
      if ((ep.path ?? '/metrics') !== DESIGN.metricsPath) report.error(o.file, `${id}: endpoint ${i} scrapes ${ep.path}, the apps serve ${DESIGN.metricsPath}`, o.lineOf(['spec', 'endpoints', i, 'path']));
      if (ep.interval && ep.scrapeTimeout && parseDuration(ep.scrapeTimeout) > parseDuration(ep.interval)) report.error(o.file, `${id}: endpoint ${i} scrapeTimeout is longer than its interval`, o.lineOf(['spec', 'endpoints', i, 'scrapeTimeout']));
    }
    note(o, `scrapes ${matched.map((svc) => `Service/${svc.obj.metadata.name}`).join(', ') || 'nothing'}`);
  }
  if (monitors.length) {
    for (const component of ['gateway', 'worker']) {
      const svc = services.filter((x) => x.obj.metadata?.labels?.['app.kubernetes.io/component'] === component);
      if (svc.length && !svc.some((x) => covered.has(x))) report.error(monitors[0].file, `no ServiceMonitor scrapes the ${component}'s Service (${svc.map((x) => x.obj.metadata.name).join(', ')})`, monitors[0].line);
    }
  }

  // PrometheusRules: every expression parses as PromQL and names only metrics the apps export; every alert has a
  // valid `for`, a severity and a summary, and a name of its own.
  if (!rules.length) return;
  let parser;
  try {
    ({ parser } = await import('@prometheus-io/lezer-promql'));
  } catch {
    console.log('note: @prometheus-io/lezer-promql not available; PromQL expressions not parsed');
  }
  const known = await exportedMetricNames();
  const knownMetric = (name) => known.has(name) || known.has(name.replace(/_(bucket|sum|count)$/, ''));
  const alerts = new Map();
  for (const o of rules) {
    const id = `PrometheusRule/${o.obj.metadata.name}`;
    let count = 0;
    for (const [g, group] of (o.obj.spec?.groups ?? []).entries()) {
      for (const [r, rule] of (group.rules ?? []).entries()) {
        count++;
        const at = (...rest) => o.lineOf(['spec', 'groups', g, 'rules', r, ...rest]);
        const name = rule.alert ?? rule.record ?? `rule ${r} of group ${group.name}`;
        const E = (m, ...rest) => report.error(o.file, `${id}: ${name}: ${m}`, at(...rest));
        const expr = String(rule.expr ?? '');
        if (!expr.trim()) E('no expr', 'expr');
        else if (parser) {
          const tree = parser.parse(expr);
          const used = [];
          let bad = false;
          tree.iterate({
            enter: (n) => {
              if (n.type.isError) bad = true;
              if (n.name === 'Identifier' && n.node.parent?.name === 'VectorSelector') used.push(expr.slice(n.from, n.to));
            },
          });
          if (bad) E(`expr is not valid PromQL: ${expr}`, 'expr');
          for (const metric of used) if (!knownMetric(metric)) E(`expr names ${metric}, which the apps do not export`, 'expr');
        }
        if (rule.for !== undefined && !PROM_DURATION.test(String(rule.for))) E(`for "${rule.for}" is not a Prometheus duration`, 'for');
        if (rule.alert) {
          if (alerts.has(rule.alert)) E(`alert name also used in ${alerts.get(rule.alert)}`, 'alert');
          alerts.set(rule.alert, `${o.file} group ${group.name}`);
          if (!SEVERITIES.includes(rule.labels?.severity)) E(`labels.severity must be one of ${SEVERITIES.join(', ')}`, 'labels');
          if (!rule.annotations?.summary) E('no annotations.summary', 'annotations');
        }
      }
    }
    note(o, `${count} rules${parser ? ', PromQL parsed' : ''}, metrics checked against the apps' exports`);
  }
}

// ---------------------------------------------------------------------------------------
// Other files under docker/: scripts get a syntax check.
// ---------------------------------------------------------------------------------------
function checkScripts() {
  for (const f of filesUnder(DOCKER_DIR, (name) => name === 'k8s')) {
    if (/\.(mjs|cjs|js)$/.test(f)) {
      const r = spawnSync(process.execPath, ['--check', f], { encoding: 'utf8' });
      if (r.status !== 0) report.error(rel(f), `node --check: ${(r.stderr || '').trim().split('\n').slice(0, 3).join(' ')}`);
      else report.summary(rel(f), 'node --check ok');
    } else if (/\.sh$/.test(f)) {
      const r = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
      if (r.error) report.warn(rel(f), 'bash not available: syntax not checked');
      else if (r.status !== 0) report.error(rel(f), `bash -n: ${(r.stderr || '').trim()}`);
      else {
        if (!(statSync(f).mode & 0o111)) report.warn(rel(f), 'not executable (docker-entrypoint-initdb.d sources non-executable .sh files, which still works)');
        if (!/^#!/.test(readText(f))) report.error(rel(f), 'no shebang line');
        report.summary(rel(f), 'bash -n ok');
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Cross-file consistency
// ---------------------------------------------------------------------------------------
function crossCheck(composeInfo, k8sInfo) {
  const composeFile = rel(path.join(DOCKER_DIR, 'docker-compose.yml'));
  const kustFile = rel(path.join(DOCKER_DIR, 'k8s', 'kustomization.yaml'));
  let version;
  try {
    version = JSON.parse(readText(path.join(ROOT, 'package.json'))).version;
  } catch {
    version = undefined;
  }
  const c = composeInfo.image && parseImageRef(composeInfo.image);
  const k = k8sInfo.image && parseImageRef(k8sInfo.image);
  if (c && k && c.repo !== k.repo) report.warn(kustFile, `Kubernetes image ${k8sInfo.image} and compose image ${composeInfo.image} are different repositories`);
  if (k && version && k.tag && k.tag !== version) report.warn(kustFile, `image tag ${k.tag} is not the package.json version ${version}`);
  if (c && version && c.tag && c.tag !== version) report.warn(composeFile, `image tag ${c.tag} is not the package.json version ${version}`);
  for (const role of ['gateway', 'worker']) {
    const a = new Set(composeInfo.appEnv?.[role] ?? []);
    const b = new Set(k8sInfo.appEnv?.[role] ?? []);
    if (!a.size || !b.size) continue;
    const onlyK8s = DESIGN.appEnv.filter((n) => b.has(n) && !a.has(n));
    const onlyCompose = DESIGN.appEnv.filter((n) => a.has(n) && !b.has(n));
    if (onlyK8s.length || onlyCompose.length) report.error(composeFile, `${role} env differs from Kubernetes: only in k8s ${onlyK8s.join(', ') || '-'}; only in compose ${onlyCompose.join(', ') || '-'}`);
  }
  const kg = k8sInfo.gateway?.graceMs;
  if (kg !== undefined && composeInfo.shutdownGraceMs !== undefined && kg !== composeInfo.shutdownGraceMs)
    report.warn(composeFile, `SHUTDOWN_GRACE_MS ${composeInfo.shutdownGraceMs} differs from Kubernetes (${kg})`);
}

// ---------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------
const dockerfileAbs = path.join(DOCKER_DIR, 'Dockerfile');
const ignorePatterns = checkIgnoreFiles(dockerfileAbs);
const dockerInfo = checkDockerfile(dockerfileAbs, ignorePatterns);
const composeInfo = await checkCompose(path.join(DOCKER_DIR, 'docker-compose.yml'), dockerInfo);
const k8sInfo = await checkKubernetes(path.join(DOCKER_DIR, 'k8s'), dockerInfo);
checkScripts();
crossCheck(composeInfo, k8sInfo);
if (VERBOSE) console.log(`root ${ROOT}, docker dir ${DOCKER_DIR}`);
const errorCount = report.print();
process.exit(errorCount ? 1 : 0);
