// `serve` on an address other machines can reach, for real (the built bin in its own process):
// no well-known secret works there. Without SANDBOX_ADMIN_TOKEN a random admin token is generated
// and printed once; the default tenants get fresh keys and OAuth secrets, printed at start and
// left out of the pages; the banner says it listens on all interfaces and lists the URLs; a
// default left on (--no-fresh-keys, the well-known token set on purpose) gets a warning line.
// The test binds 0.0.0.0 but sends every request to 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN_TOKEN } from '../../src/control/admin-token.ts';
import { DEFAULT_OAUTH_CLIENTS } from '../../src/domain/access.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';

const bin = fileURLToPath(new URL('../../bin/marketplace-sandbox.js', import.meta.url));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts `serve` and resolves with its banner (complete once the `try:` line is printed) and a loopback URL. */
function serve(args: string[], adminToken = ''): Promise<{ banner: string; url: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--memory', ...args], {
    env: { ...process.env, SANDBOX_ADMIN_TOKEN: adminToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in time:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      if (url && /\n {2}try: /.test(output)) {
        clearTimeout(timer);
        resolve({ banner: output, url });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
}

const status = async (url: string, credential: string) => (await fetch(url, { headers: { authorization: `Bearer ${credential}` } })).status;

describe('serve on a non-loopback address', () => {
  it('generates the admin token and fresh keys, prints them once, and no well-known secret works', async () => {
    const { banner, url } = await serve(['--host', '0.0.0.0']);
    expect(banner).toMatch(/listening on all interfaces \(0\.0\.0\.0, port \d+\) at http:\/\/127\.0\.0\.1:\d+/);
    expect(banner).not.toContain('WARNING');
    const token = /admin token\s+(sat_[A-Za-z0-9_-]+)\s+\(generated/.exec(banner)?.[1];
    expect(token).toBeDefined();
    expect(await status(`${url}/__sandbox/tenants`, DEFAULT_ADMIN_TOKEN)).toBe(401);
    expect(await status(`${url}/__sandbox/tenants`, token!)).toBe(200);

    for (const known of DEFAULT_TENANTS) {
      expect(banner).not.toContain(known.api_key);
      expect(await status(`${url}/api/v2/products?limit=1`, known.api_key)).toBe(401);
      const fresh = new RegExp(`${known.id}\\s+(mk_test_[0-9a-f]{32})`).exec(banner)?.[1];
      expect(await status(`${url}/api/v2/products?limit=1`, fresh!)).toBe(200);
    }
    const client = DEFAULT_OAUTH_CLIENTS.ten_nordwind!;
    expect(banner).not.toContain(client.client_secret);
    const secret = new RegExp(`${client.client_id} : (cs_test_[0-9a-f]{32})`).exec(banner)?.[1];
    const token_ = (s: string) =>
      fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: s }) });
    expect((await token_(client.client_secret)).status).toBe(401);
    expect((await token_(secret!)).status).toBe(200);

    // The pages anyone on the network can open do not show the keys.
    const landing = await (await fetch(`${url}/`)).text();
    expect(landing).not.toMatch(/mk_test_/);
    expect(landing).toContain('--fresh-keys');
  });

  it('warns on one line when a well-known default is left on', async () => {
    const { banner, url } = await serve(['--host', '0.0.0.0', '--no-fresh-keys'], DEFAULT_ADMIN_TOKEN);
    const warnings = banner.split('\n').filter((line) => line.includes('WARNING'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`the admin token "${DEFAULT_ADMIN_TOKEN}"`);
    expect(warnings[0]).toContain('--no-fresh-keys');
    expect(await status(`${url}/api/v2/products?limit=1`, DEFAULT_TENANTS[0].api_key)).toBe(200);
  });
});

describe('serve on loopback', () => {
  it('keeps the laptop defaults, says where it listens, and warns of nothing', async () => {
    const { banner, url } = await serve(['--host', '127.0.0.1']);
    expect(banner).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+\n/);
    expect(banner).not.toContain('WARNING');
    expect(banner).toMatch(/admin token\s+default "sandbox-admin-token"/);
    expect(banner).toContain(DEFAULT_TENANTS[0].api_key);
    expect(await status(`${url}/__sandbox/tenants`, DEFAULT_ADMIN_TOKEN)).toBe(200);
  });

  it('gives fresh keys on request (--fresh-keys)', async () => {
    const { banner, url } = await serve(['--fresh-keys']);
    expect(banner).not.toContain(DEFAULT_TENANTS[0].api_key);
    expect(await status(`${url}/api/v2/products?limit=1`, DEFAULT_TENANTS[0].api_key)).toBe(401);
  });
});
