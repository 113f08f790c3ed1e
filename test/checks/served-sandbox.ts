// A sandbox on a real socket (127.0.0.1, a free port) for the checks, which talk HTTP to a base
// URL like any partner tool. Not strict: the checks themselves judge the responses.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { createSandbox, type Sandbox, type SandboxOptions } from '../../src/server/app.ts';

export const ADMIN_TOKEN = 'checks-admin-token';

export interface Served {
  url: string;
  close(): Promise<void>;
}

/** Serves any hono app on 127.0.0.1 and a free port. */
export async function serveApp(app: Pick<Hono<any>, 'fetch'>): Promise<Served> {
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export async function serveSandbox(options: SandboxOptions = {}): Promise<Served & { sandbox: Sandbox }> {
  const sandbox = await createSandbox({ adminToken: ADMIN_TOKEN, ...options });
  const served = await serveApp(sandbox.app);
  return {
    ...served,
    sandbox,
    close: async () => {
      await served.close();
      await sandbox.close();
    },
  };
}
