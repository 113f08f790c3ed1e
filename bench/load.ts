// The load generator of the throughput bench: wrk when it is installed (C, one thread, not the
// bottleneck), else autocannon in several worker threads. Either pinned to CPU 0 where taskset
// allows, while the servers under test run on CPU 1 (./processes.ts).
import { execFileSync, spawn } from 'node:child_process';
import autocannon from 'autocannon';

export interface Drive {
  requests: number;
  seconds: number;
  /** Latency percentiles, in ms. */
  p50: number;
  p99: number;
  /** Answers that were not 2xx (or 3xx, as wrk counts them). */
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
}

export const CONNECTIONS = 32;

export function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk --version exits 1 after printing its version: it is there if it ran at all.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** wrk's latency with its unit (e.g. 812.00us, 1.20ms, 2.01s), in ms. */
function wrkMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export function parseWrk(output: string, seconds: number): Drive {
  const requests = /(\d+) requests in ([\d.]+)(\w+)/.exec(output);
  if (!requests) throw new Error(`wrk printed no request count:\n${output}`);
  const percentile = (p: string) => wrkMs(new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(output)?.[1] ?? '');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: Number(requests[1]),
    seconds: requests[3] === 's' ? Number(requests[2]) : requests[3] === 'ms' ? Number(requests[2]) / 1000 : seconds,
    p50: percentile('50'),
    p99: percentile('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    // Read errors are the server closing keep-alive connections at the end; connect, write and timeouts are real.
    errors: socket ? Number(socket[1]) + Number(socket[3]) + Number(socket[4]) : 0,
  };
}

function runWrk(url: string, headers: Record<string, string>, seconds: number, pinned: boolean): Promise<Drive> {
  return wrk([...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url], seconds, pinned);
}

/** Runs wrk (one thread, CONNECTIONS connections, `seconds`) with these further arguments: headers, a script (-s), the URL. */
export function wrk(args: string[], seconds: number, pinned: boolean): Promise<Drive> {
  const all = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...args];
  const [command, argv] = pinned ? ['taskset', ['-c', '0', 'wrk', ...all]] : ['wrk', all];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv as string[], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}:\n${output}`));
      try {
        resolve(parseWrk(output, seconds));
      } catch (error) {
        reject(error as Error);
      }
    });
  });
}

async function runAutocannon(url: string, headers: Record<string, string>, seconds: number, workers: number): Promise<Drive> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers, workers });
  return { requests: r.requests.total, seconds: r.duration, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

export interface LoadGenerator {
  /** What drives the load, for the report. */
  description: string;
  drive(url: string, headers: Record<string, string>, seconds: number): Promise<Drive>;
}

export function loadGenerator(pinned: boolean, autocannonWorkers: number): LoadGenerator {
  if (hasWrk()) {
    return {
      description: `wrk -t1 -c${CONNECTIONS}${pinned ? ' on CPU 0' : ' (unpinned)'}`,
      drive: (url, headers, seconds) => runWrk(url, headers, seconds, pinned),
    };
  }
  return {
    description: `autocannon, ${autocannonWorkers} workers, ${CONNECTIONS} connections (wrk not installed: apt-get install wrk)${pinned ? ' on CPU 0' : ''}`,
    drive: (url, headers, seconds) => runAutocannon(url, headers, seconds, autocannonWorkers),
  };
}
