// A --spec document's resources are served from the tenant's store: create → read → list →
// update → delete → 404 through the real server, the document's examples as the first items,
// kept across a restart and gone after a reset.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killStarted, serveProcess, stopProcess, type ServeProcess } from '../support/serve-process.ts';

const spec = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const started: ServeProcess[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const sb of started) await stopProcess(sb.child);
  killStarted();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function serve(args: string[]): Promise<ServeProcess> {
  const sb = await serveProcess(args);
  started.push(sb);
  return sb;
}

function caller(sb: ServeProcess) {
  return async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${sb.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': type }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
  };
}

describe('Petstore (expanded): a collection with its items', () => {
  it('makes a create → read → list → delete → 404 round trip, with integer ids as the schema says', async () => {
    const call = caller(await serve(['--memory', '--seed-items', '0', '--spec', spec('fixtures/specs/oai/v3.0-petstore-expanded.yaml')]));
    const created = await call('POST', '/v2/pets', { name: 'Rex', tag: 'dog' });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ id: 1, name: 'Rex', tag: 'dog' });
    const second = await call('POST', '/pets', { name: 'Mia' });
    expect(second.body).toEqual({ id: 2, name: 'Mia' });

    expect((await call('GET', '/v2/pets/1')).body).toEqual({ id: 1, name: 'Rex', tag: 'dog' });
    expect((await call('GET', '/v2/pets')).body).toEqual([created.body, second.body]);
    // A query parameter naming a property filters by equality.
    expect((await call('GET', '/v2/pets?tags=dog')).body).toEqual([created.body, second.body]);
    expect((await call('GET', '/v2/pets?limit=5')).status).toBe(200);

    expect((await call('DELETE', '/v2/pets/1')).status).toBe(204);
    const gone = await call('GET', '/v2/pets/1');
    expect(gone.status).toBe(404);
    // Petstore documents its errors (default: Error {code, message}): the problem comes in that shape.
    expect(gone.type).toContain('application/json');
    expect(gone.body).toMatchObject({ code: 404, message: expect.stringContaining('There is no pets item id 1 here'), status: 404 });
    expect((await call('GET', '/v2/pets')).body).toEqual([second.body]);
  });

  it('refuses an invalid body with a pointer, and stores nothing', async () => {
    const call = caller(await serve(['--memory', '--seed-items', '0', '--spec', spec('fixtures/specs/oai/v3.0-petstore-expanded.yaml')]));
    const refused = await call('POST', '/v2/pets', { tag: 'no name' });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { pointer: string }) => e.pointer)).toContain('/body/name');
    expect((await call('GET', '/v2/pets')).body).toEqual([]);
  });
});

describe('Kennel: the document’s examples are the first items, kept like any entity', () => {
  it('starts with the example dog, adds the next id, replaces a 404 for an unknown id, and keeps writes across a restart until a reset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doc-resources-'));
    dirs.push(dir);
    // One item each: the example dog alone (made-up ones are test/api/document-seeds.test.ts's).
    const args = ['--data', join(dir, 'state.json'), '--seed-items', '1', '--spec', spec('specs/kennel/openapi.yaml')];
    let sb = await serve(args);
    let call = caller(sb);
    expect((await call('GET', '/api/v1/dogs/7')).body).toEqual({ id: 7, name: 'Bello', weight_kg: 12.5, chip: null, photo: null });
    const rex = await call('POST', '/api/v1/dogs', { name: 'Rex', weight_kg: 30 });
    expect(rex.status).toBe(201);
    expect(rex.body).toMatchObject({ id: 8, name: 'Rex' });
    const unknown = await call('GET', '/api/v1/dogs/999');
    expect(unknown.status).toBe(404);

    await stopProcess(sb.child);
    sb = await serve(args);
    call = caller(sb);
    expect((await call('GET', '/api/v1/dogs')).body.map((d: { name: string }) => d.name)).toEqual(['Bello', 'Rex']);

    const reset = await fetch(`${sb.url}/__sandbox/reset`, { method: 'POST', headers: { authorization: 'Bearer sandbox-admin-token' } });
    expect(reset.status).toBe(200);
    expect((await call('GET', '/api/v1/dogs')).body.map((d: { name: string }) => d.name)).toEqual(['Bello']);
  });
});

describe('Shelter: a uuid id made by the sandbox', () => {
  it('gives a created owner a uuid and answers it back', async () => {
    const call = caller(await serve(['--memory', '--spec', spec('specs/shelter.openapi.yaml')]));
    const owner = await call('POST', '/owners', { name: 'Ada' });
    expect(owner.status).toBe(201);
    expect(owner.body.owner_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('GET', `/owners/${owner.body.owner_id}`)).body).toEqual(owner.body);
    expect((await call('GET', '/owners/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });
});

describe('Swagger Petstore (OpenAPI 3.0): the classic flow, stateful', () => {
  it('adds a pet, updates it by PUT /pet and by form, finds it by status and tag, and deletes it', async () => {
    const call = caller(await serve(['--memory', '--strict', '--no-auth', '--seed-items', '0', '--spec', spec('fixtures/specs/swagger-petstore.openapi.yaml')]));
    const pet = { id: 10, name: 'doggie', category: { id: 1, name: 'Dogs' }, photoUrls: ['https://img.example/1.png'], tags: [{ id: 1, name: 'good' }], status: 'available' };
    const added = await call('POST', '/api/v3/pet', pet);
    expect(added.status).toBe(200);
    expect(added.body).toEqual(pet);
    expect((await call('GET', '/api/v3/pet/10')).body).toEqual(pet);

    const updated = await call('PUT', '/api/v3/pet', { ...pet, name: 'Rex', status: 'sold' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: 10, name: 'Rex', status: 'sold' });
    expect((await call('GET', '/api/v3/pet/findByStatus?status=sold')).body.map((p: { id: number }) => p.id)).toEqual([10]);
    expect((await call('GET', '/api/v3/pet/findByStatus')).body).toEqual([]); // the default status, available
    expect((await call('GET', '/api/v3/pet/findByTags?tags=good')).body.map((p: { id: number }) => p.id)).toEqual([10]);
    expect((await call('GET', '/api/v3/pet/findByTags?tags=bad')).body).toEqual([]);

    const byForm = await call('POST', '/api/v3/pet/10?name=Bello&status=pending');
    expect(byForm.status).toBe(200);
    expect(byForm.body).toMatchObject({ id: 10, name: 'Bello', status: 'pending' });

    const unknown = await call('PUT', '/api/v3/pet', { ...pet, id: 999 });
    expect(unknown.status).toBe(404);
    expect((await call('DELETE', '/api/v3/pet/10')).status).toBe(200);
    expect((await call('GET', '/api/v3/pet/10')).status).toBe(404);
  });
});
