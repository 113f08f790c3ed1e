// Real documents load (`serve --spec`): OpenAPI 3.0's schema dialect is translated for
// validation, operations without an operationId are named from method and path, relative-file
// $refs are bundled, formats no validator knows are accepted and reported once, and a document
// that really is broken is refused at start with its file, the pointer and the reason.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, killStarted, serveProcess, stopProcess, type ServeProcess } from '../support/serve-process.ts';

const spec = (name: string) => fileURLToPath(new URL(`../specs/${name}`, import.meta.url));
const kennel = spec('kennel/openapi.yaml');
let sb: ServeProcess;

beforeAll(async () => {
  sb = await serveProcess(['--memory', '--spec', kennel]);
});
afterAll(async () => {
  await stopProcess(sb.child);
  killStarted();
});

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${sb.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
};
const pointers = (r: { body: { errors?: { pointer: string }[] } }) => (r.body.errors ?? []).map((e) => e.pointer);

describe('a split OpenAPI 3.0 document without operationIds', () => {
  it('starts, and the banner names the document, the derived operationIds and the formats it accepts as they are', () => {
    const out = sb.output();
    expect(out).toContain('document      Kennel (a split OpenAPI 3.0 document for --spec tests) 1.2.0 (OpenAPI 3.0.3, 3 operations)');
    expect(out).toContain('derived ids   getDogs, postDogs, getDogsByDogId');
    expect(out).toContain('formats       bin, iso-11784: no validator knows them');
    expect(out).not.toContain('unknown format');
    expect(out).toContain(`API           ${sb.url}/api/v1 (and ${sb.url} without /api/v1)`);
    expect(out).toContain('credentials   none: the document asks for none');
    expect(out).toContain(`try: curl ${sb.url}/api/v1/dogs\n`);
    expect(out).not.toContain('/api/v2');
  });

  it('serves every operation at its path and under the path of servers[0], variables filled in', async () => {
    for (const path of ['/dogs/7', '/api/v1/dogs/7']) {
      const r = await call('GET', path);
      expect(r.status, path).toBe(200);
      expect(r.body.name).toBe('Bello');
    }
    expect(pointers(await call('POST', '/api/v1/dogs', { name: 'Rex', weight_kg: 0 }))).toEqual(['/body/weight_kg']);
  });

  it('speaks of the document in its 404 and 405 answers', async () => {
    const missing = await call('GET', '/api/v2/products');
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe(`No operation of the API matches GET /api/v2/products. The API is Kennel (a split OpenAPI 3.0 document for --spec tests) (${kennel}): its operations are listed at /openapi.json and served at their paths and under /api/v1.`);
    const wrong = await call('DELETE', '/api/v1/dogs');
    expect(wrong.status).toBe(405);
    expect(wrong.body.allowed_methods).toEqual(['GET', 'POST']);
  });

  it('answers from the schemas in the files its $refs name', async () => {
    const dog = await call('GET', '/dogs/7');
    expect(dog.status).toBe(200);
    expect(dog.body).toEqual({ id: 7, name: 'Bello', weight_kg: 12.5, chip: null, photo: null });
  });

  it('reads boolean exclusiveMinimum and exclusiveMaximum as 3.0 means them', async () => {
    const zero = await call('POST', '/dogs', { name: 'Rex', weight_kg: 0 });
    expect(zero.status).toBe(400);
    expect(zero.type).toBe('application/problem+json');
    expect(pointers(zero)).toEqual(['/body/weight_kg']);
    // exclusiveMaximum: false leaves maximum inclusive.
    expect((await call('POST', '/dogs', { name: 'Rex', weight_kg: 120 })).status).toBe(201);
    expect(pointers(await call('POST', '/dogs', { name: 'Rex', weight_kg: 120.5 }))).toEqual(['/body/weight_kg']);
    const query = await call('GET', '/dogs?min_weight=0');
    expect(query.status).toBe(400);
    expect(pointers(query)).toEqual(['/query/min_weight']);
    expect((await call('GET', '/dogs?min_weight=0.1')).status).toBe(200);
  });

  it('accepts nullable values and any value of a format no validator knows', async () => {
    expect((await call('POST', '/dogs', { name: 'Rex', weight_kg: 30, chip: null })).status).toBe(201);
    expect((await call('POST', '/dogs', { name: 'Rex', weight_kg: 30, chip: 'not a number at all' })).status).toBe(201);
    const wrongType = await call('POST', '/dogs', { name: 'Rex', weight_kg: 30, chip: 42 });
    expect(pointers(wrongType)).toEqual(['/body/chip']);
  });

  it('checks path parameters against their schema', async () => {
    const r = await call('GET', '/dogs/0');
    expect(r.status).toBe(400);
    expect(pointers(r)).toEqual(['/path/dogId']);
  });
});

describe("a document's own security schemes", () => {
  const keyed = spec('keyed.openapi.yaml');
  const KEY = 'mk_test_nordwind_7d3f9a2c5e8b41d6';

  it('take a test key where the document puts it (a header, a query parameter), and refuse none or an unknown one', async () => {
    const s = await serveProcess(['--memory', '--spec', keyed]);
    try {
      expect(s.output()).toContain('credentials   where the document asks for them: the header "X-API-Key: <a test key below>" or the query parameter api_key=<a test key below> or the cookie session=<a test key below>');
      expect(s.output()).toContain(`try: curl -H "X-API-Key: ${KEY}" ${s.url}/things`);
      const none = await fetch(`${s.url}/things`);
      expect(none.status).toBe(401);
      expect((await none.json()).detail).toBe('No credentials: send the header "X-API-Key: <key>" or the query parameter api_key=<key> or the cookie session=<key> with a test key (mk_test_…).');
      expect((await fetch(`${s.url}/things`, { headers: { 'x-api-key': KEY } })).status).toBe(200);
      expect((await fetch(`${s.url}/things?api_key=${KEY}`)).status).toBe(200);
      expect((await fetch(`${s.url}/things`, { headers: { cookie: `theme=dark; session=${KEY}` } })).status).toBe(200);
      // A malformed cookie is no key: a 401 problem, never a 500.
      const malformed = await fetch(`${s.url}/things`, { headers: { cookie: 'session=%E0%A4%A' } });
      expect(malformed.status).toBe(401);
      expect(malformed.headers.get('content-type')).toBe('application/problem+json');
      expect((await fetch(`${s.url}/things`, { headers: { 'x-api-key': 'mk_test_nobody' } })).status).toBe(401);
      // The Bearer header is not where this document takes its credential.
      expect((await fetch(`${s.url}/things`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(401);
    } finally {
      await stopProcess(s.child);
    }
  });

  it('accept any value, or none, with --no-auth, acting as the first tenant', async () => {
    const s = await serveProcess(['--memory', '--no-auth', '--spec', keyed]);
    try {
      expect(s.output()).toContain('credentials   any value, or none (--no-auth): requests act as the first tenant below');
      expect(s.output()).toContain(`try: curl ${s.url}/things`);
      expect((await fetch(`${s.url}/things`)).status).toBe(200);
      expect((await fetch(`${s.url}/things`, { headers: { 'x-api-key': 'anything' } })).status).toBe(200);
      // A real key still names its own tenant.
      expect((await fetch(`${s.url}/things`, { headers: { 'x-api-key': 'mk_test_suedhafen_4b8e1c6a9f2d53e7' } })).status).toBe(200);
      const journal = await fetch(`${s.url}/__sandbox/requests`, { headers: { authorization: 'Bearer sandbox-admin-token' } });
      expect(journal.status).toBe(200);
      expect(((await journal.json()).data as { path: string }[]).filter((e) => e.path === '/things')).toHaveLength(2);
      const other = await fetch(`${s.url}/__sandbox/requests?tenant_id=ten_suedhafen`, { headers: { authorization: 'Bearer sandbox-admin-token' } });
      expect(((await other.json()).data as { path: string }[]).filter((e) => e.path === '/things')).toHaveLength(1);
    } finally {
      await stopProcess(s.child);
    }
  });
});

describe('serve --spec FILE --explain', () => {
  const explain = (file: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'serve', '--spec', file, '--explain'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });

  it('prints the resources inferred from the REST shape, their id fields and operations, and exits', async () => {
    const { code, out } = await explain(kennel);
    expect(code).toBe(0);
    expect(out).toContain('Kennel (a split OpenAPI 3.0 document for --spec tests) 1.2.0: 1 resource, 0 operations fitting none');
    expect(out).toContain('  dogs   /dogs  /dogs/{dogId}\n    id: id (integer), from path parameter dogId\n    list getDogs · create postDogs · get getDogsByDogId');
    expect(out).toContain("These are served from the tenant's store");
  });

  it('infers nested collections, follows x-sandbox-resource and lists what fits no resource', async () => {
    const { code, out } = await explain(spec('shelter.openapi.yaml'));
    expect(code).toBe(0);
    expect(out).toContain('2 resources, 2 operations fitting none');
    expect(out).toContain('  owners   /owners  /owners/{ownerId}\n    id: owner_id (uuid), from path parameter ownerId\n    list listOwners · create addOwner · get getOwner');
    expect(out).toContain('  cats   /owners/{ownerId}/cats  /owners/{ownerId}/cats/{catNo}\n    id: number (integer), from path parameter catNo; under ownerId\n    list listCats · get getCat · merge renameCat');
    expect(out).toContain('Operations that fit no resource, answered by Prism: listReports, getReport');
  });

  it('needs a --spec document', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--explain'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err.trim()).toBe('marketplace-sandbox: --explain explains a document given with --spec: pass --spec FILE.');
  });
});

describe('a document that really is broken', () => {
  const refusal = (args: string[]) =>
    new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--memory', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('exit', (code) => resolve({ code, err }));
    });

  it('is refused with its file, the pointer of the reference and what to do, on one line', async () => {
    const cases: [string, string][] = [
      [spec('broken-ref.openapi.yaml'), `${spec('broken-ref.openapi.yaml')} at /paths/~1things/get/responses/200/content/application~1json/schema: the $ref "#/components/schemas/Thing" points at nothing; fix the reference or add what it names.`],
      [spec('broken-file-ref.openapi.yaml'), `${spec('broken-file-ref.openapi.yaml')} at /paths/~1things/get/responses/200/content/application~1json/schema: Can't resolve $ref: ENOENT`],
      [spec('broken-schema.openapi.yaml'), `${spec('broken-schema.openapi.yaml')} at /paths/~1things/post/requestBody/content/application~1json/schema/properties/size/type: the schema is invalid (must be equal to one of the allowed values); fix the schema there.`],
    ];
    for (const [file, says] of cases) {
      const { code, err } = await refusal(['--spec', file]);
      expect(code, file).toBe(2);
      expect(err).toContain(says);
      expect(err.trim().split('\n'), err).toHaveLength(1);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });
});
