// SANDBOX_ADMIN_TOKEN="" means "unset" for the server and for its clients alike: both use the default.
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN_TOKEN, resolveAdminToken } from '../../src/control/admin-token.ts';
import { ControlClient } from '../../src/control/client.ts';
import { createSandbox } from '../../src/server/app.ts';

const saved = process.env.SANDBOX_ADMIN_TOKEN;
afterEach(() => {
  if (saved === undefined) delete process.env.SANDBOX_ADMIN_TOKEN;
  else process.env.SANDBOX_ADMIN_TOKEN = saved;
});

describe('resolveAdminToken', () => {
  it('takes the explicit token, then the env, then the default; empty counts as unset', () => {
    expect(resolveAdminToken('mine', 'env')).toBe('mine');
    expect(resolveAdminToken(undefined, 'env')).toBe('env');
    expect(resolveAdminToken('', 'env')).toBe('env');
    expect(resolveAdminToken(undefined, '')).toBe(DEFAULT_ADMIN_TOKEN);
    expect(resolveAdminToken('', undefined)).toBe('sandbox-admin-token');
  });

  it('with SANDBOX_ADMIN_TOKEN="" the server and the client both use the default, and they agree', async () => {
    process.env.SANDBOX_ADMIN_TOKEN = '';
    const sandbox = await createSandbox();
    try {
      expect(sandbox.adminToken).toBe(DEFAULT_ADMIN_TOKEN);
      const client = new ControlClient({ url: 'http://sandbox.test', fetch: (input, init) => Promise.resolve(sandbox.app.request(String(input), init)) });
      expect(client.adminToken).toBe(DEFAULT_ADMIN_TOKEN);
      expect((await client.listTenants()).length).toBeGreaterThan(0);
    } finally {
      await sandbox.close();
    }
  });
});
