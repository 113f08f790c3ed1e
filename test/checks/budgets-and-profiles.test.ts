// The inputs of an SLA run: the shipped budgets (specs/sla.yaml against its JSON Schema, and which
// budget applies to which operation), the shipped profile against the contract, and how request
// templates are filled.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, loadDocument, type Operation } from '../../src/contract/operations.ts';
import { compileValidators } from '../../src/contract/validators.ts';
import { checkProfileAgainstContract, checkRenderedBodies, loadProfile, RequestRenderer, selectAll, type LoadProfile } from '../../src/checks/load-profile.ts';
import { budgetFor, DEFAULT_SLA_FILE, loadSlaFile, type SlaFile } from '../../src/checks/sla-budgets.ts';

const PROFILE = fileURLToPath(new URL('../../profiles/partner-mix.yaml', import.meta.url));
const SPEC = fileURLToPath(new URL('../../specs/marketplace.openapi.yaml', import.meta.url));

let sla: SlaFile;
let operations: Operation[];
let work: string;

beforeAll(async () => {
  sla = await loadSlaFile(DEFAULT_SLA_FILE);
  operations = listOperations(await loadDocument(SPEC));
  work = await mkdtemp(join(tmpdir(), 'sla-inputs-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('specs/sla.yaml', () => {
  it('holds the seeded defaults and the webhook budget', () => {
    expect(sla.defaults).toEqual({ availability_min_pct: 99.9, p50_ms: 200, p95_ms: 400, error_rate_max_pct: 0.1 });
    expect(sla.webhooks).toEqual({ ack_p95_ms: 2000, success_rate_min_pct: 99.5 });
  });

  it('applies the per-group p95 by tag, operation budgets over groups, and the defaults below', () => {
    const op = (id: string) => operations.find((o) => o.operationId === id)!;
    const p95 = (id: string) => budgetFor(sla, id, op(id).tags).figures.p95_ms;
    expect(p95('getProduct')).toEqual({ limit: 50, source: 'group products' });
    expect(p95('listOrders')).toEqual({ limit: 100, source: 'group orders' });
    expect(p95('getInventoryItem')).toEqual({ limit: 30, source: 'group inventory' });
    expect(p95('createShipment')).toEqual({ limit: 300, source: 'group shipping' });
    expect(p95('updateAvailability')).toEqual({ limit: 250, source: 'operation' });
    expect(p95('listWebhooks')).toEqual({ limit: 400, source: 'defaults' });
    // The reports group claims operations by name; p50 still comes from the defaults.
    const report = budgetFor(sla, 'getSalesReport', []);
    expect(report.group).toBe('reports');
    expect(report.figures.p95_ms).toEqual({ limit: 2000, source: 'group reports' });
    expect(report.figures.p50_ms).toEqual({ limit: 200, source: 'defaults' });
  });

  it('rejects a budget file that does not match the schema, saying where', async () => {
    const bad = join(work, 'bad-sla.yaml');
    await writeFile(bad, 'version: 1\ndefaults: {availability_min_pct: 120, p50_ms: 200, p95_ms: 400, error_rate_max_pct: 0.1, p90: 3}\n');
    await expect(loadSlaFile(bad)).rejects.toThrow(/\/defaults\/availability_min_pct must be <= 100[\s\S]*\/defaults\/p90 is not a known field/);
  });
});

describe('profiles/partner-mix.yaml', () => {
  it('names real operations with their methods and paths, and renders bodies the contract accepts', async () => {
    const profile = await loadProfile(PROFILE);
    expect(() => checkProfileAgainstContract(profile, operations)).not.toThrow();
    const data = {
      products: [{ id: 'prod_a1', price: 100 }, { id: 'prod_b2', price: 20 }],
      all_products: [{ id: 'prod_c3' }],
      open_orders: [{ id: 'ord_x1' }],
      orders: [{ id: 'ord_y2' }],
      stock: [{ sku: 'KB-1', locations: [{ location_id: 'loc_berlin', quantity: 3 }] }],
    };
    const renderer = new RequestRenderer(profile, data, 7);
    const validators = compileValidators(await loadDocument(SPEC), operations);
    expect(checkRenderedBodies(profile, renderer, validators)).toEqual([]);
  });

  it('refuses a template whose method does not match its operation', () => {
    const profile: LoadProfile = { name: 'wrong', requests: [{ operation: 'getProduct', weight: 1, method: 'POST', path: '/api/v2/products/x' }] };
    expect(() => checkProfileAgainstContract(profile, operations)).toThrow(/getProduct is GET, the template says POST/);
  });
});

describe('request templates', () => {
  const profile: LoadProfile = {
    name: 't',
    data: { products: { from: 'GET /x', select: '/data/*' } },
    requests: [
      {
        operation: 'updateProductPrice',
        weight: 1,
        method: 'PUT',
        path: '/api/v2/products/{{products.id}}/price?tag={{fresh run-}}',
        body: {
          price: '{{near products.price 5}}',
          note: 'for {{products.id}}',
          items: { $each: 'products', count: 3, item: { id: '{{products.id}}', in_stock: '{{int 1 9}}' } },
        },
      },
    ],
  };
  const data = { products: [{ id: 'prod_a', price: 100 }, { id: 'prod_b', price: 100 }, { id: 'prod_c', price: 100 }] };

  it('fills one row per request, keeps types of whole placeholders and builds $each arrays from distinct rows', () => {
    const request = new RequestRenderer(profile, data, 3).next();
    const body = JSON.parse(request.body!);
    const id = /products\/(prod_[abc])\/price/.exec(request.path)![1];
    expect(body.note).toBe(`for ${id}`); // the same row throughout the request
    expect(typeof body.price).toBe('number');
    expect(body.price).toBeGreaterThanOrEqual(95);
    expect(body.price).toBeLessThanOrEqual(105);
    expect(new Set(body.items.map((i: any) => i.id))).toEqual(new Set(['prod_a', 'prod_b', 'prod_c']));
    for (const item of body.items) expect(Number.isInteger(item.in_stock)).toBe(true);
    expect(request.headers['content-type']).toBe('application/json');
  });

  it('renders the same sequence for the same seed and never repeats a fresh id', () => {
    const a = new RequestRenderer(profile, data, 42);
    const b = new RequestRenderer(profile, data, 42);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    const fresh = first.map((r) => new URL(r.path, 'http://x').searchParams.get('tag'));
    expect(new Set(fresh).size).toBe(5);
  });

  it('selects rows with a JSON pointer and * wildcards', () => {
    const answer = { data: [{ id: 'p1', variants: [{ id: 'v1' }, { id: 'v2' }] }, { id: 'p2', variants: [] }] };
    expect(selectAll(answer, '/data/*/variants/*/id')).toEqual(['v1', 'v2']);
    expect(selectAll(answer, '/data/1/id')).toEqual(['p2']);
  });
});
