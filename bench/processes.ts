// Starting servers under test in their own processes (the load generator needs its own core).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `node <args>` and waits for the "listening on http://…" line every server here prints. */
export function startServer(args: string[], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      // From here on, drain what the server writes (a request log line per request) without keeping it.
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.stdout!.resume();
      child.stderr!.resume();
      resolve({
        url: match[1]!,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${output}`)));
  });
}

export const startSandboxServer = (extra: string[] = [], env: Record<string, string> = {}) =>
  startServer(['bin/marketplace-sandbox.js', 'serve', '--port', '0', '--memory', ...extra], env);

/**
 * Puts a process and all its threads on one CPU (Linux `taskset`), so that the load generator and
 * the server under test do not take turns on the same core: on a 2-core machine the scheduler
 * otherwise moves them about, and a run's figures swing with where they landed. False where it
 * cannot (one core, no taskset): the bench then runs unpinned and says so.
 */
export function pinToCpu(pid: number, cpu: number): boolean {
  if (cpus().length <= cpu) return false; // not availableParallelism(): it shrinks once this process is pinned
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system) a process has used so far, in µs, from /proc/PID/stat; null without /proc. */
export function cpuMicros(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100; // Linux's USER_HZ
