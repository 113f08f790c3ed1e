// npm run bench [name…]: runs every bench/*.bench.ts (or the named ones) one after the other and
// prints their figures. A script, not a test: numbers depend on the machine, so nothing here fails
// a build; each bench states its target and whether this run met it.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface BenchTarget {
  description: string;
  met: boolean;
}

export interface BenchReport {
  name: string;
  /** Human-readable result lines. */
  lines: string[];
  /** Raw figures, written to bench/results/latest.json. */
  figures: Record<string, number>;
  targets: BenchTarget[];
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const files = (await readdir(dir)).filter((f) => f.endsWith('.bench.ts')).sort();
const selected = wanted.length ? files.filter((f) => wanted.some((w) => f.startsWith(w))) : files;
if (selected.length === 0) {
  console.error(`No bench matches ${wanted.join(' ')}; available: ${files.map((f) => f.replace('.bench.ts', '')).join(', ')}`);
  process.exit(2);
}

const reports: BenchReport[] = [];
for (const file of selected) {
  console.log(`\n== ${file.replace('.bench.ts', '')} ==`);
  const mod = (await import(`./${file}`)) as { default: () => Promise<BenchReport> };
  let report: BenchReport;
  try {
    report = await mod.default();
  } catch (error) {
    // A bench that cannot measure honestly (a refused run, a server that did not start) says why and gives no figures.
    console.error(`  REFUSED ${(error as Error).message}`);
    process.exitCode = 1;
    continue;
  }
  reports.push(report);
  for (const line of report.lines) console.log(`  ${line}`);
  for (const t of report.targets) console.log(`  target ${t.met ? 'MET   ' : 'MISSED'} ${t.description}`);
}

await mkdir(`${dir}results`, { recursive: true });
await writeFile(`${dir}results/latest.json`, JSON.stringify({ at: new Date().toISOString(), node: process.version, reports }, null, 2));
console.log(`\nfigures written to bench/results/latest.json`);
