// The documents over HTTP (/openapi.json|yaml, /__sandbox/openapi.json|yaml) name the URL that
// serves them, behind a proxy too; the landing page and /docs carry the test keys and their own
// CSP; with serve --spec the partner slot is that document, and the pages say so.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDocument } from '../../src/contract/operations.ts';
import { ADMIN_SPEC, DEFAULT_SPEC } from '../../src/sandbox-files.ts';
import { PerBaseUrl } from '../../src/reference/base-url.ts';
import { DEFAULT_TENANTS } from '../../src/store/store.ts';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';

const PARCEL_LOCKERS = fileURLToPath(new URL('../specs/parcel-lockers.openapi.yaml', import.meta.url));

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

// A path, or a whole URL: its host is what @hono/node-server takes from the Host header on a socket.
const get = (path: string, headers: Record<string, string> = {}) => sandbox.call('GET', path, { key: null, headers });

describe('the documents', () => {
  it('GET /openapi.json is the partner API with servers set to the URL it was fetched from', async () => {
    const served = await get('http://sandbox.local:4300/openapi.json');
    expect(served.status).toBe(200);
    expect(served.contentType).toBe('application/json; charset=utf-8');
    const spec = await loadDocument(DEFAULT_SPEC);
    expect(served.body).toEqual({ ...spec, servers: [expect.objectContaining({ url: 'http://sandbox.local:4300' })] });
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
  });

  it('behind a proxy, servers is the URL the client used (first X-Forwarded-Proto / X-Forwarded-Host)', async () => {
    const served = await get('/openapi.json', { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'Sandbox.Example.com:8443, internal:4300' });
    expect(served.body.servers).toEqual([expect.objectContaining({ url: 'https://sandbox.example.com:8443' })]);
    // Another base URL, another document; the first is still served as it was.
    expect((await get('http://sandbox.local:4300/openapi.json')).body.servers[0].url).toBe('http://sandbox.local:4300');
  });

  it('GET /openapi.yaml is the same document as YAML', async () => {
    const yaml = await get('/openapi.yaml', { 'x-forwarded-host': 'docs.example' });
    expect(yaml.status).toBe(200);
    expect(yaml.contentType).toBe('application/yaml; charset=utf-8');
    const json = await get('/openapi.json', { 'x-forwarded-host': 'docs.example' });
    expect(parse(yaml.body)).toEqual(json.body);
  });

  it('GET /__sandbox/openapi.json|yaml is the control API, with no admin token needed', async () => {
    const admin = await loadDocument(ADMIN_SPEC);
    const json = await get('/__sandbox/openapi.json');
    expect(json.status).toBe(200);
    expect(json.body).toEqual({ ...admin, servers: [expect.objectContaining({ url: 'http://localhost' })] });
    expect(parse((await get('/__sandbox/openapi.yaml')).body)).toEqual(json.body);
  });

  it('a forwarded header that is no protocol or host is a 400 naming it, not a document pointing anywhere', async () => {
    const host = expectProblem(await get('/openapi.json', { 'x-forwarded-host': 'evil.example/<script>' }), 400, 'invalid_forwarded_header');
    expect(host.errors).toEqual([{ pointer: '/header/x-forwarded-host', message: expect.stringContaining('host name') }]);
    const proto = expectProblem(await get('/openapi.yaml', { 'x-forwarded-proto': 'javascript' }), 400, 'invalid_forwarded_header');
    expect(proto.detail).toContain('X-Forwarded-Proto');
  });

  it('answers are kept per base URL, and only so many: a made-up host costs a rebuild, not memory', async () => {
    const built: string[] = [];
    const cache = new PerBaseUrl<string>(2);
    const build = (base: string) => () => (built.push(base), `doc for ${base}`);
    expect(await cache.get('http://a', build('http://a'))).toBe('doc for http://a');
    expect(await cache.get('http://a', build('http://a'))).toBe('doc for http://a');
    await cache.get('http://b', build('http://b'));
    await cache.get('http://c', build('http://c')); // evicts http://a, the oldest
    await cache.get('http://a', build('http://a'));
    expect(built).toEqual(['http://a', 'http://b', 'http://c', 'http://a']);
  });
});

describe('the pages', () => {
  it('/ lists the test keys and leads to the reference and the documents', async () => {
    const landing = await get('http://127.0.0.1:4300/');
    expect(landing.status).toBe(200);
    expect(landing.contentType).toBe('text/html; charset=utf-8');
    for (const tenant of DEFAULT_TENANTS) expect(landing.body).toContain(tenant.api_key);
    for (const link of ['/docs', '/openapi.json', '/openapi.yaml', '/__sandbox/openapi.json', '/postman.json']) expect(landing.body).toContain(`href="${link}"`);
    expect(landing.body).toContain(`curl -H "Authorization: Bearer ${DEFAULT_TENANTS[0].api_key}" http://127.0.0.1:4300/api/v2/products?limit=2`);
    expect(landing.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(landing.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(landing.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('/docs has its own CSP (its scripts and styles, requests to itself only) and the test key for try-it', async () => {
    const docs = await get('/docs');
    expect(docs.status).toBe(200);
    const csp = docs.headers.get('content-security-policy')!;
    for (const directive of ["script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "default-src 'none'"]) expect(csp).toContain(directive);
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    const config = JSON.parse(/<script id="docs-config" type="application\/json">(.*?)<\/script>/s.exec(docs.body)![1]!);
    expect(config.specs).toEqual([
      { name: 'Partner API', url: '/openapi.json', credentials: { apiKey: DEFAULT_TENANTS[0].api_key } },
      // The test sandbox's admin token is not the public default: it is not shown.
      { name: 'Control API', url: '/__sandbox/openapi.json', credentials: {} },
    ]);
    expect(docs.body).not.toContain(sandbox.adminToken);
    expect(docs.body).not.toMatch(/src="http|href="http/);
  });

  it('the assets the page loads are served, gzipped when asked; an unknown one is a 404 naming those there are', async () => {
    const bundle = await sandbox.app.request('/docs/assets/swagger-ui-bundle.js?v=1', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(bundle.headers.get('content-encoding')).toBe('gzip');
    expect(bundle.headers.get('x-content-type-options')).toBe('nosniff');
    const plain = await get('/docs/assets/swagger-ui.css');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.body).toContain('.swagger-ui');
    const missing = expectProblem(await get('/docs/assets/../../package.json'), 404);
    expect(missing.detail ?? '').not.toContain('marketplace-sandbox');
    expect(expectProblem(await get('/docs/assets/secrets.txt'), 404, 'route_not_found').detail).toContain('swagger-ui-bundle.js');
  });
});

describe('serve --spec other.yaml', () => {
  let other: TestSandbox;
  beforeAll(async () => {
    other = await startSandbox({ specFile: PARCEL_LOCKERS });
  });
  afterAll(async () => {
    await other?.close();
  });

  it('/openapi.json and /docs are that document, and the pages say so', async () => {
    const json = await other.call('GET', '/openapi.json', { key: null });
    expect(json.body.info.title).toBe('Parcel lockers (a small foreign API for --spec tests)');
    expect(Object.keys(json.body.paths)).toEqual(Object.keys((await loadDocument(PARCEL_LOCKERS)).paths ?? {}));
    const docs = await other.call('GET', '/docs', { key: null });
    expect(docs.body).toContain(`serves <code>${PARCEL_LOCKERS}</code> (given with <code>serve --spec</code>)`);
    expect(docs.body).toContain('Parcel lockers (a small foreign API for --spec tests) (serve --spec)');
    const landing = await other.call('GET', '/', { key: null });
    expect(landing.body).toContain('(given with <code>serve --spec</code>) in place of the marketplace API');
  });
});
