// The README's first command, for real: `marketplace-sandbox serve` in its own process on a real
// port, state written to a file, SIGTERM flushes it, and a restart reads it back.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readKeptState } from '../../src/store/file-backend.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { bin, killStarted, serveProcess, stopProcess } from '../support/serve-process.ts';

let dir = '';

afterAll(async () => {
  killStarted();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const serve = (args: string[]) => serveProcess(args);
const stop = (child: ChildProcess) => stopProcess(child);

const key = DEFAULT_TENANTS[0].api_key;
const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

describe('marketplace-sandbox serve', () => {
  it('prints what a partner needs, keeps state across a restart, and flushes on SIGTERM', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sandbox-serve-'));
    const data = join(dir, 'state.json');

    const first = await serve(['--data', data]);
    expect(first.output()).toContain(key);
    expect(first.output()).toContain(DEFAULT_TENANTS[1].api_key);
    expect(first.output()).toMatch(/admin token\s+default "sandbox-admin-token"/);

    const some = await (await fetch(`${first.url}/api/v2/products?limit=1`, { headers: auth })).json();
    const template = some.data[0];
    const created = await fetch(`${first.url}/api/v2/products`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        sku: 'survives-restart',
        title: 'Written before the restart',
        brand_id: template.brand_id,
        category_id: template.category_id,
        ean: '4006381333931',
        price: 12.34,
        parameters: template.parameters,
      }),
    });
    expect(created.status).toBe(201);
    const product = await created.json();
    // Right away: SIGTERM closes the log cleanly.
    expect(await stop(first.child)).toBe(0);
    const saved = (await readKeptState(data)).image;
    expect(saved?.format).toBe('marketplace-sandbox/state');

    const second = await serve(['--data', data]);
    const read = await fetch(`${second.url}/api/v2/products/${product.id}`, { headers: auth });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ sku: 'survives-restart', price: 12.34 });
    expect(await stop(second.child)).toBe(0);
  });

  it('on a real socket: Bearer spellings, every answer with its headers, an oversized body refused unread, a chunked body journaled', async () => {
    const running = await serve(['--memory']);
    const labels = (authorization: string) => fetch(`${running.url}/api/v2/labels`, { headers: { authorization } });
    const ok = await labels(`Bearer ${key}`);
    expect(ok.status).toBe(200);
    for (const name of ['x-content-type-options', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'ratelimit-policy', 'ratelimit']) {
      expect(ok.headers.get(name), name).toBeTruthy();
    }
    expect((await labels(`bearer   ${key}  `)).status).toBe(200);
    expect((await labels(`Bearer ${key} more`)).status).toBe(401);

    // A declared 1 GB body: answered 413 from the header alone, nothing is sent.
    const { request } = await import('node:http');
    const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${running.url}/api/v2/availability`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': String(1024 ** 3) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(refused.status).toBe(413);
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'payload_too_large', max_bytes: 16 * 1024 * 1024 });

    // A chunked body (no Content-Length) is read, answered, and its size journaled.
    const body = JSON.stringify({ items: [{ id: 'prod_doesnotexist', status: 'active', in_stock: 1 }] });
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(body)), c.close()) });
    const chunked = await fetch(`${running.url}/api/v2/availability`, { method: 'POST', headers: auth, body: stream, duplex: 'half' } as RequestInit);
    // Read and judged: its only item names an unknown id, so the batch applied nothing (422).
    expect(chunked.status).toBe(422);
    expect((await chunked.json()).errors).toEqual([expect.objectContaining({ pointer: '/body/items/0/id' })]);
    const journal = await (await fetch(`${running.url}/__sandbox/requests?operation_id=updateAvailability`, { headers: { authorization: 'Bearer sandbox-admin-token' } })).json();
    expect(journal.data.at(-1)).toMatchObject({ method: 'POST', status: 422, request_bytes: Buffer.byteLength(body) });
    expect(await stop(running.child)).toBe(0);
  });

  it('explains itself with --help', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    for (const option of ['--port', '--host', '--data', '--memory', '--seed', '--strict', '--spec', 'SANDBOX_ADMIN_TOKEN']) expect(out).toContain(option);
  });

  it('refuses a state file that is not its own, saying what to do', async () => {
    const bogus = join(dir || (dir = await mkdtemp(join(tmpdir(), 'sandbox-serve-'))), 'bogus.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(bogus, '{"hello": "world"}'));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data', bogus], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('not a marketplace-sandbox state file');
  });

  /** Runs `serve` with `args`, expecting it to refuse to start: its exit code and stderr. */
  async function refusal(args: string[]): Promise<{ code: number | null; err: string }> {
    const child = spawn(process.execPath, [bin, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    return { code, err };
  }

  it('start errors are one line that says what to do, never a stack trace', async () => {
    const tmp = dir || (dir = await mkdtemp(join(tmpdir(), 'sandbox-serve-')));
    const broken = join(tmp, 'broken.yaml');
    await import('node:fs/promises').then((fs) => fs.writeFile(broken, 'openapi: [\n'));
    const scenarios = join(tmp, 'scenarios');
    const damaged = join(tmp, 'damaged.json');
    await import('node:fs/promises').then(async (fs) => {
      await fs.mkdir(scenarios, { recursive: true });
      await fs.writeFile(join(scenarios, 'broken.yaml'), 'name: broken\ndescription: [never closed\n');
      await fs.writeFile(damaged, '{"format":"marketplace-san');
    });
    // A port another process holds.
    const holder = (await import('node:net')).createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const held = holder.address() as { port: number };
    onTestFinished(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const cases: [string[], string][] = [
      [['--port', '0', '--memory', '--spec', join(tmp, 'missing.yaml')], `There is no file ${join(tmp, 'missing.yaml')}: pass the path of an OpenAPI 3.x document`],
      [['--port', '0', '--memory', '--spec', broken], `${broken} is not valid YAML or JSON:`],
      [['--port', '0', '--memory', '--spec', tmp], `${tmp} is a directory`],
      [['--port', '0', '--memory', '--host', 'no-such-host.invalid'], 'the host name no-such-host.invalid does not resolve: pass an address of this machine'],
      [['--port', '0', '--memory', '--data', join(tmp, 'state.json')], '--memory keeps nothing on disk and --data names the file'],
      [['--port', String(held.port), '--memory'], `cannot listen on 127.0.0.1:${held.port} (EADDRINUSE); another process uses port ${held.port}: stop it or pass --port 0`],
      [['--port', '0', '--memory', '--scenarios-dir', scenarios], `Scenario ${join(scenarios, 'broken.yaml')} is invalid at /: not valid YAML (line 3)`],
      [['--port', '0', '--data', damaged], `${damaged} is damaged at byte 26 of 26 (Unterminated string): start with --repair`],
      [['--port', '0', '--data', tmp], `--data ${tmp} is a directory: pass the path of a file in it`],
    ];
    for (const [args, says] of cases) {
      const { code, err } = await refusal(args);
      expect(code, args.join(' ')).toBe(2);
      expect(err).toContain(says);
      expect(err.trim().split('\n'), err).toHaveLength(1);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });
});
