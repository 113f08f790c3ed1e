// Every `sh` block of the README and of docs/ runs, as written, against a fresh default sandbox:
// the README's first command (`serve`, here with --memory on a free port, which the blocks'
// `127.0.0.1:4300` is pointed at), one sandbox per page, the page's blocks in order, with bash
// -euo pipefail so a jq that meets an error body or an unset variable fails the block.
// Every curl answer's status is collected (a wrapper adds `-w`); a 5xx fails, and a 4xx passes
// only where the block mentions that status (`# 404 problem+json`): a mistake shown on purpose.
// A block may say, in an HTML comment just before it, `docs-test: skip (why)` or
// `docs-test: exit-codes 0,1 (why)`; `text` blocks (synopses, templates) are not run.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin/marketplace-sandbox.js');

interface Block {
  file: string;
  line: number;
  code: string;
  skip?: string;
  exitCodes: number[];
}

/** The sh blocks of a Markdown file, with the directive before each. */
export function shBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent));
    if (open[2] !== 'sh') continue;
    const before = lines.slice(Math.max(0, start - 2), start).join('\n');
    const directive = /<!--\s*docs-test:\s*(skip|exit-codes)\s*([^>]*?)\s*-->/.exec(before);
    const block: Block = { file, line: start + 1, code: body.join('\n'), exitCodes: [0] };
    if (directive?.[1] === 'skip') block.skip = directive[2] || 'no reason given';
    if (directive?.[1] === 'exit-codes') block.exitCodes = directive[2]!.split(/[ (]/)[0]!.split(',').map(Number);
    blocks.push(block);
  }
  return blocks;
}

async function pages(): Promise<{ file: string; blocks: Block[] }[]> {
  const files = ['README.md', ...(await readdir(join(root, 'docs'))).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
  const out = [];
  for (const file of files) out.push({ file, blocks: shBlocks(file, await readFile(join(root, file), 'utf8')) });
  return out.filter((p) => p.blocks.length > 0);
}

interface Served {
  child: ChildProcess;
  url: string;
}

function serve(): Promise<Served> {
  const child = spawn(process.execPath, [bin, 'serve', '--memory', '--port', '0'], { env: { ...process.env, SANDBOX_ADMIN_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before listening:\n${output}`)));
  });
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  statuses: number[];
}

let tools = '';

function run(block: Block, url: string, cwd: string): Promise<Ran> {
  const script = `set -euo pipefail\n${block.code.replaceAll('http://127.0.0.1:4300', url)}\n`;
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], {
      cwd,
      env: { ...process.env, SANDBOX_ADMIN_TOKEN: '', BASH_ENV: join(tools, 'curl-status.sh'), PATH: `${tools}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      const statuses = [...stderr.matchAll(/@@status (\d{3})/g)].map((m) => Number(m[1]));
      resolve({ code, stdout, stderr: stderr.replace(/@@status \d{3}\n?/g, ''), statuses });
    });
  });
}

const all = await pages();

beforeAll(async () => {
  tools = await mkdtemp(join(tmpdir(), 'docs-tools-'));
  // The status of every curl answer on stderr; a -w the block gives itself comes later and wins.
  await writeFile(join(tools, 'curl-status.sh'), `curl() { command curl -w '%{stderr}@@status %{http_code}\\n' "$@"; }\n`);
  await writeFile(join(tools, 'marketplace-sandbox'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  await chmod(join(tools, 'marketplace-sandbox'), 0o755);
});
afterAll(async () => {
  if (tools) await rm(tools, { recursive: true, force: true });
});

describe('the commands of the README and docs/', () => {
  it('finds the blocks: the README tour and every page that shows commands', () => {
    const files = all.map((p) => p.file);
    expect(files).toContain('README.md');
    expect(files.length).toBeGreaterThanOrEqual(8);
    // Nothing is skipped without saying why.
    for (const page of all) for (const block of page.blocks) if (block.skip) expect(block.skip, `${page.file}:${block.line}`).not.toBe('no reason given');
  });

  for (const page of all) {
    it(`${page.file}: every sh block works against a fresh default sandbox`, async () => {
      const served = await serve();
      const cwd = await mkdtemp(join(tmpdir(), 'docs-run-'));
      try {
        for (const block of page.blocks) {
          if (block.skip) continue;
          const ran = await run(block, served.url, cwd);
          const where = `${block.file}:${block.line}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`;
          expect(block.exitCodes, `exit ${ran.code} at ${where}`).toContain(ran.code);
          for (const status of ran.statuses) {
            expect(status, `a ${status} answer at ${where}`).toBeLessThan(500);
            if (status >= 400) expect(block.code, `an unannounced ${status} answer at ${where}`).toMatch(new RegExp(`\\b${status}\\b`));
          }
          if (page.file === 'README.md') {
            // The tour's own annotations: what a partner should see.
            expect(ran.stdout).toContain('204');
            expect(ran.stdout).toContain('invalid_transition');
            expect(ran.stdout).toContain('/query/limit');
          }
        }
      } finally {
        served.child.kill('SIGTERM');
        await rm(cwd, { recursive: true, force: true });
      }
    }, 180_000);
  }
});
