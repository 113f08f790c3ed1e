// Security as a partner and an operator see it: the control API refuses without the admin token,
// every answer carries security headers, presented secrets never come back in error bodies, and
// webhook URLs cannot point at link-local or cloud-metadata addresses unless allow-listed.
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, expectProblem, KEY_A, startSandbox, type TestSandbox } from '../support/sandbox.ts';

let sb: TestSandbox;
beforeAll(async () => {
  sb = await startSandbox();
});

describe('control API', () => {
  it('refuses requests without the admin token, with a wrong one, or with a partner key where only the admin token is declared', async () => {
    for (const key of [null, 'not-the-admin-token', KEY_A, `${ADMIN}x`]) {
      for (const [method, path] of [
        ['GET', '/__sandbox/requests'],
        ['PUT', '/__sandbox/faults'],
        ['PUT', '/__sandbox/tenants/ten_nordwind/rate-limits'],
        ['POST', '/__sandbox/tenants/ten_nordwind/api-keys'],
      ] as const) {
        // The journal and the faults take a tenant's own key too (partnerCredential): test/access/partner-self-service.test.ts.
        if (key === KEY_A && !path.includes('/tenants/')) continue;
        const res = await sb.call(method, path, { key, body: method === 'GET' ? undefined : { rules: [] } });
        expectProblem(res, 401, 'admin_token_required');
        expect(res.headers.get('www-authenticate')).toContain('Bearer');
      }
    }
    expect((await sb.control('GET', '/__sandbox/requests')).status).toBe(200);
  });
});

describe('response headers', () => {
  it('every answer carries the security headers: partner API, control API, errors, unknown routes and wrong methods', async () => {
    for (const res of [
      await sb.call('GET', '/api/v2/labels'),
      await sb.call('GET', '/api/v2/labels', { key: null }),
      await sb.control('GET', '/__sandbox/tenants'),
      await sb.call('GET', '/nowhere'),
      await sb.call('DELETE', '/api/v2/labels'),
    ]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    expect((await sb.call('DELETE', '/api/v2/labels')).status).toBe(405); // the wrong-method case above
  });
});

describe('secrets', () => {
  it('a presented credential is never echoed in an error body', async () => {
    const secretLooking = 'mk_test_this_looks_like_a_real_key_0123456789';
    for (const res of [
      await sb.call('GET', '/api/v2/labels', { key: secretLooking }),
      await sb.call('GET', '/api/v2/labels', { key: `mat_${'a'.repeat(32)}_ten_nordwind` }),
      await sb.call('POST', '/oauth/token', { key: null, form: { grant_type: 'client_credentials', client_id: 'cli_nordwind_erp', client_secret: secretLooking } }),
      await sb.call('POST', '/oauth/token', { key: null, form: { grant_type: 'refresh_token', refresh_token: secretLooking, client_id: 'cli_nordwind_erp', client_secret: 'cs_test_nordwind_3c7e1a9f5b2d8e46' } }),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(JSON.stringify(res.body)).not.toContain(secretLooking);
      expect(JSON.stringify(res.body)).not.toContain('a'.repeat(32));
    }
  });
});

describe('webhook targets', () => {
  const create = (sandbox: TestSandbox, url: string) => sandbox.call('POST', '/api/v2/webhooks', { body: { url, events: ['order.*'] } });

  it('refuses link-local and metadata addresses in every spelling, with a pointer', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://169.254.10.20:8080/hook',
      'http://2852039166/', // 169.254.169.254 as one number
      'http://0xa9fea9fe/',
      'http://[::ffff:169.254.169.254]/hook',
      'http://[fd00:ec2::254]/',
      'http://[fe80::1]/hook',
      'http://metadata.google.internal/computeMetadata/v1/',
    ]) {
      const problem = expectProblem(await create(sb, url), 400, 'webhook_target_not_allowed');
      expect(problem.errors).toEqual([{ pointer: '/body/url', message: expect.stringMatching(/^points at /) }]);
    }
  });

  it('allows loopback, private and public receivers', async () => {
    for (const url of ['http://127.0.0.1:9/hook', 'http://localhost:8080/hook', 'http://[::1]:9/hook', 'http://10.0.0.5/hook', 'https://partner.example.com/hooks']) {
      expect((await create(sb, url)).status).toBe(201);
    }
  });

  it('checks updates too', async () => {
    const created = (await create(sb, 'http://127.0.0.1:9/hook')).body;
    const problem = expectProblem(await sb.call('PATCH', `/api/v2/webhooks/${created.id}`, { body: { url: 'http://169.254.169.254/' } }), 400, 'webhook_target_not_allowed');
    expect(problem.errors[0].pointer).toBe('/body/url');
    expect((await sb.call('GET', `/api/v2/webhooks/${created.id}`)).body.url).toBe('http://127.0.0.1:9/hook');
  });

  it('an allow-list lets named addresses through', async () => {
    const allowing = await startSandbox({ webhookTargetAllowList: ['169.254.10.0/24', 'fd00:ec2::254'] });
    expect((await create(allowing, 'http://169.254.10.20:8080/hook')).status).toBe(201);
    expect((await create(allowing, 'http://[fd00:ec2::254]/hook')).status).toBe(201);
    expectProblem(await create(allowing, 'http://169.254.169.254/'), 400, 'webhook_target_not_allowed');
    await allowing.close();
  });
});
