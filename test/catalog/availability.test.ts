// The availability batch: per-item results with the pointer of each failure, a 422 when no item
// could be applied, the 1000-item limit (413), what `inactive` and `in_stock: 0` mean for the
// storefront, its events, and the practice notes it leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Product } from '../../src/domain/types.ts';
import { inventoryHandlers } from '../../src/handlers/inventory.ts';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { recordEvents, simpleProduct, stateOf, tenantOf, variantProduct } from './helpers.ts';

let sb: TestSandbox;
let recorder: ReturnType<typeof recordEvents>;

beforeAll(async () => {
  sb = await startSandbox();
  recorder = recordEvents(sb);
});
afterAll(() => recorder.stop());

const batch = (items: unknown[]) => sb.call('POST', '/api/v2/availability', { body: { items } });

describe('availability batch', () => {
  it('answers a result per item: applied, unchanged or error with its reason and pointer', async () => {
    const state = stateOf(sb);
    const product = simpleProduct(state);
    const vp = variantProduct(state);
    const deleted = simpleProduct(state, 5);
    await sb.call('DELETE', `/api/v2/products/${deleted.id}`);
    const res = await batch([
      { id: product.id, status: 'active', in_stock: 7 },
      { id: vp.variants[0]!.id, status: vp.variants[0]!.availability.status, in_stock: vp.variants[0]!.availability.in_stock },
      { id: 'prod_doesnotexist', status: 'active', in_stock: 1 },
      { id: 'var_doesnotexist', status: 'active', in_stock: 1 },
      { id: deleted.id, status: 'active', in_stock: 1 },
    ]);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: any) => [r.id, r.result, r.code, r.pointer])).toEqual([
      [product.id, 'applied', undefined, undefined],
      [vp.variants[0]!.id, 'unchanged', undefined, undefined],
      ['prod_doesnotexist', 'error', 'not_found', '/body/items/2/id'],
      ['var_doesnotexist', 'error', 'not_found', '/body/items/3/id'],
      [deleted.id, 'error', 'not_found', '/body/items/4/id'],
    ]);
    expect(res.body.summary).toEqual({ applied: 1, unchanged: 1, errors: 3 });
    expect((await sb.call('GET', `/api/v2/products/${product.id}`)).body.availability).toEqual({ status: 'active', in_stock: 7 });
    expect(recorder.of('product.updated').filter((e) => e.data.id === product.id).at(-1)?.data.availability.in_stock).toBe(7);
  });

  it('answers 422 no_items_applied, listing every error with its pointer, when no item could be applied', async () => {
    const product = simpleProduct(stateOf(sb), 4);
    const before = (await sb.call('GET', `/api/v2/products/${product.id}`)).body.availability;
    const seen = recorder.events.length;
    // The spec's old example: ids of another world, so the batch does nothing at all.
    const res = await batch([
      { id: 'prod_8f3k2m9x', status: 'active', in_stock: 40 },
      { id: 'var_2m7x9q4p', status: 'inactive', in_stock: 0 },
    ]);
    const problem = expectProblem(res, 422, 'no_items_applied');
    expect(problem.errors).toEqual([
      { pointer: '/body/items/0/id', message: expect.stringContaining('prod_8f3k2m9x is not a product or variant of this tenant') },
      { pointer: '/body/items/1/id', message: expect.stringContaining('var_2m7x9q4p is not a product or variant of this tenant') },
    ]);
    expect(problem.summary).toEqual({ applied: 0, unchanged: 0, errors: 2 });
    expect(problem.results.map((r: any) => [r.result, r.pointer])).toEqual([
      ['error', '/body/items/0/id'],
      ['error', '/body/items/1/id'],
    ]);
    expect(problem.detail).toMatch(/None of the 2 item\(s\) was applied/);
    expect(recorder.events.length).toBe(seen);
    expect((await sb.call('GET', `/api/v2/products/${product.id}`)).body.availability).toEqual(before);

    // An item already as asked is not a failure: the batch answers 200.
    const unchangedOnly = await batch([
      { id: product.id, ...before },
      { id: 'prod_doesnotexist', status: 'active', in_stock: 1 },
    ]);
    expect(unchangedOnly.status).toBe(200);
    expect(unchangedOnly.body.summary).toEqual({ applied: 0, unchanged: 1, errors: 1 });
  });

  it('takes 1000 items; 1001 answer 413 problem+json naming the limit', async () => {
    const product = simpleProduct(stateOf(sb), 1);
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: product.id, status: 'active', in_stock: i % 10 }));
    const ok = await batch(items(1000));
    expect(ok.status).toBe(200);
    expect(ok.body.results).toHaveLength(1000);
    const tooMany = expectProblem(await batch(items(1001)), 413, 'payload_too_large');
    expect(tooMany).toMatchObject({ max_items: 1000, received_items: 1001 });
    expect(tooMany.detail).toMatch(/at most 1000/);
    // Too many items is the first thing to fix, even when items are also malformed.
    expectProblem(await batch(Array.from({ length: 1001 }, () => ({ id: 'nope' }))), 413, 'payload_too_large');
    expectProblem(await batch([]), 400, 'validation_failed');
  });

  it('in_stock 0 keeps a product visible but not buyable; inactive hides it from the storefront', async () => {
    const state = stateOf(sb);
    const product = simpleProduct(state, 2);
    const visible = async () => {
      const on = await sb.call('GET', `/api/v2/products?visible=true&limit=100&q=${encodeURIComponent(product.sku)}`);
      const off = await sb.call('GET', `/api/v2/products?visible=false&limit=100&q=${encodeURIComponent(product.sku)}`);
      const ids = (r: any) => r.body.data.map((p: Product) => p.id);
      return { on: ids(on).includes(product.id), off: ids(off).includes(product.id) };
    };
    await batch([{ id: product.id, status: 'active', in_stock: 0 }]);
    expect(await visible()).toEqual({ on: true, off: false });
    const soldOut = await sb.call('GET', `/api/v2/products?visible=true&in_stock=false&limit=100&q=${encodeURIComponent(product.sku)}`);
    expect(soldOut.body.data.map((p: Product) => p.id)).toContain(product.id);

    await batch([{ id: product.id, status: 'inactive', in_stock: 5 }]);
    expect(await visible()).toEqual({ on: false, off: true });
    // Hidden is about shoppers: the partner still reads and lists it.
    expect((await sb.call('GET', `/api/v2/products/${product.id}`)).body.availability).toEqual({ status: 'inactive', in_stock: 5 });
  });

  it('notes updates that change nothing and updates to items already inactive, for the practice report', async () => {
    const tenant = tenantOf(sb);
    const product = simpleProduct(tenant.state, 3);
    const ctx = { store: sb.store, events: sb.events, tenant, now: () => new Date('2026-01-15T10:00:00Z') };
    // Every call here sends one item, which is also noted (single_item, for the readiness report's batch rule).
    const run = (items: unknown[]) => {
      const reply = inventoryHandlers.updateAvailability!({ body: { items } } as any, ctx) as { notes?: string[]; body: any };
      expect(reply.notes).toContain('single_item');
      return { ...reply, notes: reply.notes?.filter((n) => n !== 'single_item') };
    };
    expect(run([{ id: product.id, status: 'active', in_stock: 3 }]).notes).toEqual([]);
    expect(run([{ id: product.id, status: 'active', in_stock: 3 }]).notes).toEqual(['unchanged_update']);
    expect(run([{ id: product.id, status: 'inactive', in_stock: 3 }]).notes).toEqual([]);
    expect(run([{ id: product.id, status: 'inactive', in_stock: 9 }]).notes).toEqual(['update_to_inactive']);
    expect(run([{ id: product.id, status: 'inactive', in_stock: 9 }]).notes).toEqual(['update_to_inactive', 'unchanged_update']);
    expect(run([{ id: product.id, status: 'active', in_stock: 9 }]).notes).toEqual([]);
  });
});
