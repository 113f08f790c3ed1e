// Assembles the sandbox: the store, the event bus, and two contracts mounted on one hono app,
// the partner API (specs/marketplace.openapi.yaml) and the control API (specs/sandbox-admin.openapi.yaml).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { loadDocument } from '../contract/operations.ts';
import { EventBus } from '../events/bus.ts';
import { adminHandlers } from '../admin/index.ts';
import { clockNow } from '../clock/clock.ts';
import { apiHandlers } from '../handlers/index.ts';
import { adminAuth } from '../policies/admin-auth/index.ts';
import { tenantAuth } from '../policies/tenant-auth/index.ts';
import { SandboxStore } from '../store/store.ts';
import type { SandboxEnv } from './env.ts';
import type { HandlerContext } from './handler.ts';
import { mountContract, type MountedContract } from './pipeline.ts';
import { Problem, problemResponse } from './problem.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const DEFAULT_SPEC = `${root}specs/marketplace.openapi.yaml`;
export const ADMIN_SPEC = `${root}specs/sandbox-admin.openapi.yaml`;
export const VERSION: string = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version;
export const DEFAULT_ADMIN_TOKEN = 'sandbox-admin-token';

export interface SandboxOptions {
  /** Another OpenAPI 3.x document to serve instead of the marketplace API; all its operations are mocked by Prism. */
  specFile?: string;
  /** State file; omitted means memory only. */
  dataFile?: string;
  seed?: number;
  strict?: boolean;
  adminToken?: string;
  /** Largest accepted request body, in bytes. */
  maxBodyBytes?: number;
}

export interface Sandbox {
  app: Hono<SandboxEnv>;
  store: SandboxStore;
  events: EventBus;
  api: MountedContract;
  admin: MountedContract;
  adminToken: string;
  /** Flushes the store. Call on shutdown. */
  close(): Promise<void>;
}

const tooLarge = (max: number) =>
  new Problem(413, 'payload_too_large', `The request body exceeds ${max} bytes; split it into smaller requests.`, { max_bytes: max });

export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const store = await SandboxStore.open({ file: options.dataFile, seed: options.seed });
  const events = new EventBus();
  const adminToken = options.adminToken || process.env.SANDBOX_ADMIN_TOKEN || DEFAULT_ADMIN_TOKEN; // empty means unset
  const strict = options.strict ?? false;
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;

  const app = new Hono<SandboxEnv>();
  app.onError((error, c) => {
    if (error instanceof Problem) return problemResponse(error, c.req.path);
    console.error(`marketplace-sandbox: unexpected error on ${c.req.method} ${c.req.path}:`, error);
    return problemResponse(
      new Problem(500, 'internal_error', 'The sandbox failed on this request; it has been logged. This is a sandbox bug: please report it with the request.'),
      c.req.path,
    );
  });
  // Body size: a declared Content-Length is checked up front; only chunked bodies go through hono's
  // streaming bodyLimit, which materialises a full Request and would cost every request ~30 %.
  const limitChunked = bodyLimit({ maxSize: maxBodyBytes, onError: () => { throw tooLarge(maxBodyBytes); } });
  app.use('*', async (c, next) => {
    const length = c.req.header('content-length');
    if (length !== undefined) {
      if (Number(length) > maxBodyBytes) throw tooLarge(maxBodyBytes);
      return next();
    }
    return c.req.header('transfer-encoding') ? limitChunked(c, next) : next();
  });

  const context = (c: Context<SandboxEnv>): HandlerContext => {
    const tenant = c.get('tenant') ?? null;
    return { store, events, tenant, now: () => (tenant ? clockNow(tenant.clock) : new Date()) };
  };
  const persistWrites: MiddlewareHandler<SandboxEnv> = async (c, next) => {
    await next();
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.res.status < 400) store.changed();
  };

  const admin = await mountContract(app, {
    doc: await loadDocument(ADMIN_SPEC),
    handlers: adminHandlers(VERSION),
    policies: [adminAuth(adminToken), persistWrites],
    context,
    strict,
  });
  const api = await mountContract(app, {
    doc: await loadDocument(options.specFile ?? DEFAULT_SPEC),
    // Another document's operationIds may collide with ours but not mean the same: mock them all.
    handlers: options.specFile ? {} : apiHandlers,
    policies: [tenantAuth(store), persistWrites],
    context,
    strict,
    documentsProblems: !options.specFile,
  });

  app.notFound((c) => {
    const methods = api.allowedMethods(c.req.path) ?? admin.allowedMethods(c.req.path);
    if (methods) {
      return problemResponse(
        new Problem(405, 'method_not_allowed', `${c.req.method} is not supported on ${c.req.path}; use ${methods.join(', ')}.`, { allowed_methods: methods }, {
          allow: methods.join(', '),
        }),
        c.req.path,
      );
    }
    return problemResponse(
      new Problem(404, 'route_not_found', `No operation of the API matches ${c.req.method} ${c.req.path}. The partner API lives under /api/v2 (see specs/marketplace.openapi.yaml).`),
      c.req.path,
    );
  });

  return { app, store, events, api, admin, adminToken, close: () => store.flush() };
}

