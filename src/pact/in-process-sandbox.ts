// A sandbox for one verification run, started in this process and served on 127.0.0.1 (port
// chosen by the OS), in memory, in strict mode: a response that breaks the OpenAPI contract comes
// back as a 500 response_contract_violation, so a pact can never pass on an off-contract answer.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createSandbox, type Sandbox } from '../server/app.ts';

export interface RunningSandbox {
  url: string;
  adminToken: string;
  sandbox: Sandbox;
  close(): Promise<void>;
}

export async function startInProcessSandbox(): Promise<RunningSandbox> {
  const adminToken = `pact-${randomBytes(12).toString('hex')}`;
  const sandbox = await createSandbox({ strict: true, adminToken, rateLimits: true });
  const server = serve({ fetch: sandbox.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    if (server.listening) resolve();
    else server.once('listening', () => resolve()).once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    sandbox,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as { closeAllConnections?: () => void }).closeAllConnections?.(); // keep-alive sockets of the verifier
      await closed;
      await sandbox.close();
    },
  };
}
