// Test access to a real sandbox: the hono app with every policy, in strict mode, in memory, or in
// the postgres-store project on a fresh PostgreSQL database (the shared store).
// `call` goes through app.request (the full HTTP pipeline, no socket).
import pg from 'pg';
import { inject } from 'vitest';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/server/app.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';

export const KEY_A = DEFAULT_TENANTS[0].api_key;
export const KEY_B = DEFAULT_TENANTS[1].api_key;
export const ADMIN = 'test-admin-token';

export interface CallOptions {
  key?: string | null; // null: no Authorization header
  body?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  raw?: string; // a body sent as-is (malformed JSON tests)
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: any;
  contentType: string | null;
}

export interface TestSandbox extends Sandbox {
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  control(method: string, path: string, body?: unknown): Promise<CallResult>;
}

let databases = 0;

/** In the postgres-store project (test/postgres/store-project.global-setup.ts): a fresh database's URL. */
async function freshStore(): Promise<string | undefined> {
  const server = inject('postgresStore');
  if (!server) return undefined;
  const name = `api_${process.pid}_${++databases}`;
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return server.replace(/\/postgres$/, `/${name}`);
}

export async function startSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const storeUrl = options.storeUrl ?? (options.dataFile === undefined ? await freshStore() : undefined);
  // Rate limits off unless a test asks for them, so suites do not trip limits by accident.
  const sandbox = await createSandbox({ strict: true, adminToken: ADMIN, rateLimits: false, ...options, ...(storeUrl ? { storeUrl } : {}) });
  const call = async (method: string, path: string, o: CallOptions = {}): Promise<CallResult> => {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? KEY_A : o.key;
    if (key !== null && !('authorization' in headers)) headers.authorization = `Bearer ${key}`;
    let body: string | undefined;
    if (o.raw !== undefined) {
      body = o.raw;
      headers['content-type'] ??= 'application/json';
    } else if (o.form) {
      body = new URLSearchParams(o.form).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    } else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await sandbox.app.request(path, { method, headers, body });
    const contentType = res.headers.get('content-type');
    // An event stream stays open: the body is what it sends first (test/webhooks/event-stream.test.ts reads on).
    const text = contentType?.startsWith('text/event-stream') ? await firstChunk(res) : await res.text();
    return { status: res.status, headers: res.headers, contentType, body: text && contentType?.includes('json') ? JSON.parse(text) : text };
  };
  return {
    ...sandbox,
    call,
    control: (method, path, body) => call(method, path, { key: ADMIN, body }),
  };
}

/** The first chunk of a streamed body, then the stream is cancelled (as a client that leaves). */
export async function firstChunk(res: Response): Promise<string> {
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(value);
}

/** Asserts the RFC 9457 shape every error must have, and returns the body for further checks. */
export function expectProblem(result: CallResult, status: number, code?: string): any {
  if (result.status !== status || result.contentType !== 'application/problem+json' || (code && result.body?.code !== code)) {
    throw new Error(`expected a ${status} problem${code ? ` ${code}` : ''}, got ${result.status} ${result.contentType}: ${JSON.stringify(result.body)}`);
  }
  for (const field of ['type', 'title', 'status', 'detail', 'code']) {
    if (!(field in result.body)) throw new Error(`problem body lacks ${field}: ${JSON.stringify(result.body)}`);
  }
  return result.body;
}
