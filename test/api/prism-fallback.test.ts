// `serve --spec FILE`: any OpenAPI 3.x document is served by the same pipeline, with the
// document's own validation; its resources come from the store (test/api/document-resources),
// and Prism answers what fits none, or any request whose Prefer header asks it for an answer.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';

const spec = fileURLToPath(new URL('../specs/parcel-lockers.openapi.yaml', import.meta.url));
let sb: TestSandbox;

beforeAll(async () => {
  sb = await startSandbox({ specFile: spec });
});

describe('a foreign OpenAPI 3.0 document', () => {
  it('serves its lockers from the store, starting with the document\'s examples', async () => {
    expect(sb.api.mocked).toEqual([]); // both operations belong to the lockers resource
    const r = await sb.call('GET', '/lockers/lk_berlin1', { key: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: 'lk_berlin1', city: 'Berlin', free_slots: 12, note: null });
  });

  it('honours Prism\'s Prefer header: example, code and dynamic', async () => {
    const hamburg = await sb.call('GET', '/lockers/lk_hh2', { key: null, headers: { prefer: 'example=hamburg' } });
    expect(hamburg.body.city).toBe('Hamburg');
    const missing = await sb.call('GET', '/lockers/lk_hh2', { key: null, headers: { prefer: 'code=404' } });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ message: 'no such locker' });
    const dynamic = await sb.call('GET', '/lockers/lk_hh2', { key: null, headers: { prefer: 'dynamic=true' } });
    expect(dynamic.status).toBe(200);
    expect(Number.isInteger(dynamic.body.free_slots)).toBe(true);
  });

  it('says clearly when a preferred status is not in the document', async () => {
    const r = await sb.call('GET', '/lockers/lk_hh2', { key: null, headers: { prefer: 'code=418' } });
    expect(expectProblem(r, 422, 'mock_unavailable').detail).toContain('getLocker');
  });

  it('validates requests against the document before mocking', async () => {
    const badPath = await sb.call('GET', '/lockers/BERLIN', { key: null });
    expect(expectProblem(badPath, 400, 'validation_failed').errors[0].pointer).toBe('/path/locker_id');
    const badBody = await sb.call('POST', '/lockers', { key: null, body: { city: 'Berlin', size: 'XL' } });
    expect(expectProblem(badBody, 400).errors).toContainEqual({ pointer: '/body/size', message: 'must be one of: S, M, L' });
    const ok = await sb.call('POST', '/lockers', { key: null, body: { city: 'Berlin', size: 'M' } });
    expect(ok.status).toBe(201);
    // The 201 documents a reservation, not the locker: the answer is the document's, under strict mode.
    expect(ok.body).toEqual({ reservation: 'rsv_1' });
  });
});
