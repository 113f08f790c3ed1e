// One status line, rewritten in place once a second while a load run goes on: elapsed time,
// throughput, errors, 429s and the p95 so far. Only on an interactive terminal; in CI (or when
// output is piped) it stays silent and the final summary is all that is printed.
import type { LoadTick } from './load-generator.ts';

export interface LiveProgress {
  tick(t: LoadTick): void;
  done(): void;
}

export function shouldShowProgress(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.CI;
}

export function liveProgress(stream: NodeJS.WriteStream, enabled: boolean): LiveProgress {
  if (!enabled) return { tick() {}, done() {} };
  let drawn = false;
  return {
    tick(t) {
      const line = [
        `${(t.elapsedMs / 1000).toFixed(0).padStart(4)}/${(t.totalMs / 1000).toFixed(0)} s`,
        `${t.rps.toFixed(1).padStart(7)} req/s`,
        `errors ${t.errors}`,
        `429s ${t.rateLimited}`,
        `p95 ${t.p95Ms.toFixed(1)} ms`,
        ...(t.warmingUp ? ['warm-up, not counted'] : []),
      ].join('  ·  ');
      stream.write(`\r\x1b[2K${line}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
