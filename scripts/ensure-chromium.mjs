// Makes sure Debian's `chromium` (and a font with Chinese glyphs) is installed, for the browser end-to-end test of the web chat
// page (playwright-core drives it; Playwright's own browser downloads are not used).
//
//   node scripts/ensure-chromium.mjs      prints the browser's path; exit 1 with the reason if it cannot be had
//
// Idempotent: an installed browser is never touched. Installs only with root or passwordless
// sudo and apt-get; runs `apt-get update` only when the package is unknown to apt. Plain ESM
// JavaScript on purpose (runs before any build), Node built-ins only. Progress goes to stderr.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const CJK_FONT_PACKAGE = 'fonts-wqy-zenhei';

function log(message) {
  process.stderr.write(`[chromium] ${message}\n`);
}

class ChromiumError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ChromiumError';
  }
}

const isExecutable = (file) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** ['apt-get'] as root, ['sudo', '-n', 'apt-get'] with passwordless sudo, else null. */
function aptCommand() {
  if (!fs.existsSync('/usr/bin/apt-get')) return null;
  if (process.getuid?.() === 0) return ['apt-get'];
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000 });
  return sudo.status === 0 ? ['sudo', '-n', 'apt-get'] : null;
}

/** Runs a command with its output shown as progress; resolves with its exit code and output. */
function run(argv) {
  return new Promise((resolve) => {
    log(`$ ${argv.join(' ')}`);
    const child = spawn(argv[0], argv.slice(1), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    let output = '';
    const show = (chunk) => {
      output += chunk;
      for (const line of String(chunk).split('\n')) if (line.trim()) log(`  ${line}`);
    };
    child.stdout.on('data', show);
    child.stderr.on('data', show);
    const timer = setTimeout(() => child.kill('SIGTERM'), INSTALL_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, output: err.message });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

/** apt knows the package (its lists are present and name a candidate). */
function aptKnows(name) {
  const policy = spawnSync('apt-cache', ['policy', name], { encoding: 'utf8', timeout: 30_000 });
  return policy.status === 0 && /Candidate:\s*(?!\(none\))\S+/.test(policy.stdout);
}

/** Whether fontconfig knows a font with Chinese glyphs (the demo bank's FAQ is half Chinese). */
function hasCjkFont() {
  const fonts = spawnSync('fc-list', [':lang=zh'], { encoding: 'utf8', timeout: 30_000 });
  return fonts.status === 0 && fonts.stdout.trim().length > 0;
}

/** Installs packages, updating apt's lists first only if it does not know them yet. */
async function aptInstall(apt, packages) {
  if (!packages.every(aptKnows)) {
    log('apt does not know the package yet: updating the package lists');
    const update = await run([...apt, 'update']);
    if (update.code !== 0) throw new ChromiumError(`apt-get update failed (exit ${update.code})`);
  }
  const install = await run([...apt, 'install', '-y', '--no-install-recommends', ...packages]);
  if (install.code !== 0) throw new ChromiumError(`apt-get install ${packages.join(' ')} failed (exit ${install.code}); see the lines above`);
}

/** The path of a working chromium, installing it first if needed. Throws ChromiumError. */
export async function ensureChromium() {
  const present = isExecutable(CHROMIUM_PATH);
  const needFont = !hasCjkFont();
  if (present && !needFont) {
    log(`found ${CHROMIUM_PATH}`);
    return CHROMIUM_PATH;
  }
  const apt = aptCommand();
  if (!present && !apt) {
    throw new ChromiumError(
      `${CHROMIUM_PATH} is missing and cannot be installed here (needs apt-get and root or passwordless sudo). ` +
        'Install it yourself: sudo apt-get install -y chromium',
    );
  }
  if (!present) {
    log(`${CHROMIUM_PATH} is missing: installing Debian's chromium package (this can take a few minutes)`);
    await aptInstall(apt, ['chromium']);
    if (!isExecutable(CHROMIUM_PATH)) throw new ChromiumError(`chromium was installed but ${CHROMIUM_PATH} is not there`);
    log(`installed ${CHROMIUM_PATH}`);
  }
  // Without a CJK font Chinese text renders as empty boxes; the page still works, so a failure here only warns.
  if (!hasCjkFont()) {
    if (!apt) log('no font with Chinese glyphs, and none can be installed here: Chinese text will show as boxes');
    else await aptInstall(apt, [CJK_FONT_PACKAGE]).catch((err) => log(`warning: ${err.message}`));
  }
  return CHROMIUM_PATH;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  ensureChromium().then(
    (path) => {
      process.stdout.write(`${path}\n`);
    },
    (err) => {
      log(`✖ ${err instanceof ChromiumError ? err.message : err?.stack || String(err)}`);
      process.exit(1);
    },
  );
}
