// What the shared-store tests send: the default tenant's key, JSON in and out, a product made the
// way the README makes one, and a `serve` start that is expected to fail.
import { spawn } from 'node:child_process';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { bin } from '../support/serve-process.ts';

export const key = DEFAULT_TENANTS[0].api_key;
export const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

export async function json(url: string, init: RequestInit = {}): Promise<{ status: number; type: string | null; body: any }> {
  const res = await fetch(url, { ...init, headers: { ...auth, ...(init.headers as Record<string, string> | undefined) } });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : null };
}

/** A new product of the first tenant, through `base`'s partner API; its id. */
export async function createProduct(base: string, sku: string): Promise<string> {
  const api = `${base}/api/v2`;
  const category = (await json(`${api}/categories`)).body.data[0].children[0].id as string;
  const brand = (await json(`${api}/brands?limit=1`)).body.data[0].id as string;
  const parameters = (await json(`${api}/products?category=${category}&limit=1`)).body.data[0].parameters as unknown;
  const created = await json(`${api}/products`, {
    method: 'POST',
    body: JSON.stringify({ sku, title: `Shared ${sku}`, brand_id: brand, category_id: category, ean: '4006381333931', price: 19.99, parameters }),
  });
  if (created.status !== 201) throw new Error(`product not created: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.id as string;
}

/** `serve …args` that should not start: its exit code and everything it printed. */
export function failedStart(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', ...args], { env: { ...process.env, SANDBOX_ADMIN_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
