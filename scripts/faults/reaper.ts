import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childrenOf, isAlive, processStartTime, PROCESSES_FILE, type ScratchDir } from './services.js';

// The fault suite's safety net. main.ts cleans up after itself on success, on an error and on
// SIGINT/SIGTERM; this covers what it cannot: the suite SIGKILLed (a CI timeout, the OOM killer).
// Started detached, it checks every second that the suite still runs; once it does not, and the
// scratch directory is still there, it SIGKILLs every process the suite recorded there (apps,
// Redis; a recorded pid only if its start time matches, so never a reused pid) and the private
// Postgres (postmaster.pid and its backends), then removes the directory. If the directory is
// gone, the suite cleaned up: it just exits.
//
//   node dist/scripts/faults/reaper.js <suite pid> <suite start time> <scratch dir>

const POLL_MS = 1_000;

/** Starts the reaper for this process and its scratch directory. */
export const startReaper = (scratch: ScratchDir): void => {
  const started = processStartTime(process.pid);
  if (!started) return; // no /proc: nothing the reaper could check
  spawn(process.execPath, [fileURLToPath(import.meta.url), String(process.pid), started, scratch.root], { detached: true, stdio: 'ignore' }).unref();
};

const reap = (root: string): void => {
  const recorded = existsSync(join(root, PROCESSES_FILE)) ? readFileSync(join(root, PROCESSES_FILE), 'utf8').split('\n') : [];
  const targets: number[] = [];
  for (const line of recorded) {
    const [pid, started] = line.split(' ');
    if (pid && started && processStartTime(Number(pid)) === started) targets.push(Number(pid));
  }
  const postmasterPid = join(root, 'pg', 'postmaster.pid');
  if (existsSync(postmasterPid)) {
    const pid = Number(readFileSync(postmasterPid, 'utf8').split('\n')[0]);
    // Only a postmaster running on this data directory (the pid file may be stale).
    const cmdline = Number.isInteger(pid) && pid > 0 ? readCmdline(pid) : '';
    if (cmdline.includes(join(root, 'pg'))) targets.push(pid, ...childrenOf(pid));
  }
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* exited meanwhile */
    }
  }
  const until = Date.now() + 5_000;
  while (targets.some(isAlive) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  rmSync(root, { recursive: true, force: true });
};

const readCmdline = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
};

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [suitePid, suiteStarted, root] = process.argv.slice(2);
  if (!suitePid || !suiteStarted || !root || !root.includes('fengda-faults-')) process.exit(2);
  const timer = setInterval(() => {
    if (!existsSync(root)) {
      clearInterval(timer);
      return;
    }
    if (processStartTime(Number(suitePid)) === suiteStarted) return;
    clearInterval(timer);
    reap(root);
  }, POLL_MS);
}
