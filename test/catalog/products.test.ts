// Products through the partner API: every validation rule answers with its pointer, products start
// as drafts and go live by activation, bulk creation is a job whose lines succeed or fail alone,
// and YouTube links become videos without any network call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantState } from '../../src/domain/types.ts';
import { expectProblem, startSandbox, type TestSandbox } from '../support/sandbox.ts';
import { leafCategory, productBody, recordEvents, stateOf, validParameters, waitForJob } from './helpers.ts';

let sb: TestSandbox;
let state: TenantState;
const recorder = { of: (_: string) => [] as any[], stop: () => {} };

beforeAll(async () => {
  sb = await startSandbox();
  state = stateOf(sb);
  Object.assign(recorder, recordEvents(sb));
});
afterAll(() => recorder.stop());

/** POST /products expecting a 400 whose errors[] holds `pointer`; returns the message there. */
async function rejectedAt(body: Record<string, unknown>, pointer: string): Promise<string> {
  const res = await sb.call('POST', '/api/v2/products', { body });
  const problem = expectProblem(res, 400, 'validation_failed');
  const hit = problem.errors.find((e: { pointer: string }) => e.pointer === pointer);
  expect(hit, `${pointer} in ${JSON.stringify(problem.errors)}`).toBeDefined();
  return hit.message;
}

describe('product validation: each rule names its pointer', () => {
  it('sku: pattern ^[a-z0-9_][a-z0-9_.-]*$ (any case) and at most 20 characters', async () => {
    await rejectedAt(productBody(state, 'bad sku!'), '/body/sku');
    await rejectedAt(productBody(state, '-leading-dash'), '/body/sku');
    await rejectedAt(productBody(state, 'a'.repeat(21)), '/body/sku');
    const ok = await sb.call('POST', '/api/v2/products', { body: productBody(state, 'Mixed.Case_20-chars1') });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const taken = expectProblem(await sb.call('POST', '/api/v2/products', { body: productBody(state, 'mixed.case_20-CHARS1') }), 409, 'sku_taken');
    expect(taken.errors[0].pointer).toBe('/body/sku');
  });

  it('EAN: 13 digits with a valid check digit; GTIN-14 with leading 0 and EAN-8 are normalised to 13', async () => {
    expect(await rejectedAt(productBody(state, 'ean-1', { ean: '4006381333932' }), '/body/ean')).toMatch(/check digit 2 .* need 1/);
    expect(await rejectedAt(productBody(state, 'ean-2', { ean: '14006381333938' }), '/body/ean')).toMatch(/packaging indicator 1/);
    await rejectedAt(productBody(state, 'ean-3', { ean: '12345' }), '/body/ean');
    const gtin14 = await sb.call('POST', '/api/v2/products', { body: productBody(state, 'ean-4', { ean: '04006381333931' }) });
    expect(gtin14.body.ean).toBe('4006381333931');
    const ean8 = await sb.call('POST', '/api/v2/products', { body: productBody(state, 'ean-5', { ean: '96385074' }) });
    expect(ean8.body.ean).toBe('0000096385074');
  });

  it('brand_id and category_id must exist; the category must be a leaf', async () => {
    expect(await rejectedAt(productBody(state, 'ref-1', { brand_id: 'brand_nope' }), '/body/brand_id')).toMatch(/does not exist/);
    expect(await rejectedAt(productBody(state, 'ref-2', { category_id: 'cat_nope' }), '/body/category_id')).toMatch(/does not exist/);
    const root = state.categories.find((c) => !c.leaf)!;
    expect(await rejectedAt(productBody(state, 'ref-3', { category_id: root.id }), '/body/category_id')).toMatch(/not a leaf/);
  });

  it("the category's required parameters, enum values and conditions", async () => {
    const jackets = leafCategory(state, (c) => c.name === 'Jackets');
    const params = validParameters(jackets);
    const { material: _material, ...withoutMaterial } = params;
    expect(await rejectedAt(productBody(state, 'par-1', { parameters: withoutMaterial }, jackets), '/body/parameters/material')).toMatch(/required/);
    await rejectedAt(productBody(state, 'par-2', { parameters: { ...params, colour: 'purple-ish' } }, jackets), '/body/parameters/colour');
    // "when waterproof is yes, water_column_mm is required"
    const { water_column_mm: _column, ...dry }: Record<string, string> = { ...params, waterproof: 'yes' };
    const condition = await rejectedAt(productBody(state, 'par-3', { parameters: dry }, jackets), '/body/parameters/water_column_mm');
    expect(condition).toMatch(/when waterproof is yes/);
    await rejectedAt(productBody(state, 'par-4', { parameters: { ...params, pockets: '4' } }, jackets), '/body/parameters/pockets');
  });

  it('variants: at most 2 variant parameters, each variant_allowed, and variants differ on them', async () => {
    const shirts = leafCategory(state, (c) => c.name === 'T-Shirts');
    const base = { parameters: validParameters(shirts, ['colour', 'size']) };
    await rejectedAt(productBody(state, 'var-1', { ...base, variant_parameters: ['colour', 'size', 'fit'] }, shirts), '/body/variant_parameters');
    expect(await rejectedAt(productBody(state, 'var-2', { ...base, variant_parameters: ['material'] }, shirts), '/body/variant_parameters/0')).toMatch(
      /not a variant parameter/,
    );
    const variants = [
      { sku: 'var-3-a', ean: '4006381333931', parameters: { colour: 'black', size: 'M' }, price: 10 },
      { sku: 'var-3-b', ean: '4006381333931', parameters: { colour: 'black', size: 'M' }, price: 10 },
    ];
    expect(await rejectedAt(productBody(state, 'var-3', { ...base, variant_parameters: ['colour', 'size'], variants }, shirts), '/body/variants/1/parameters')).toMatch(
      /must differ on colour, size/,
    );
    await rejectedAt(
      productBody(state, 'var-4', { ...base, variant_parameters: ['colour', 'size'], variants: [{ ...variants[0], parameters: { colour: 'black' } }] }, shirts),
      '/body/variants/0/parameters/size',
    );
    const created = await sb.call('POST', '/api/v2/products', {
      body: productBody(state, 'var-5', { ...base, variant_parameters: ['colour', 'size'], variants: [variants[0], { ...variants[1], parameters: { colour: 'white', size: 'M' } }] }, shirts),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.variants.map((v: any) => v.parameters)).toEqual([{ colour: 'black', size: 'M' }, { colour: 'white', size: 'M' }]);
    // A third variant through the variants endpoint must differ too.
    const dup = await sb.call('POST', `/api/v2/products/${created.body.id}/variants`, { body: { sku: 'var-5-c', ean: '96385074', parameters: { colour: 'white', size: 'M' }, price: 12 } });
    expect(expectProblem(dup, 400, 'validation_failed').errors[0].pointer).toBe('/body/parameters');
  });

  it('title, short_description and description limits: 200 / 2000 / 13000', async () => {
    await rejectedAt(productBody(state, 'len-1', { title: 'x'.repeat(201) }), '/body/title');
    await rejectedAt(productBody(state, 'len-2', { short_description: 'x'.repeat(2001) }), '/body/short_description');
    await rejectedAt(productBody(state, 'len-3', { description: 'x'.repeat(13001) }), '/body/description');
    const ok = await sb.call('POST', '/api/v2/products', { body: productBody(state, 'len-4', { title: 'x'.repeat(200), short_description: 'x'.repeat(2000), description: 'x'.repeat(13000) }) });
    expect(ok.status).toBe(201);
  });

  it('at most 20 media: images, and images and videos together', async () => {
    const images = (n: number) => Array.from({ length: n }, (_, i) => ({ url: `https://cdn.example.com/${i}.jpg` }));
    const videos = (n: number) => Array.from({ length: n }, (_, i) => ({ video_url: `https://youtu.be/abcdefghi${String(i).padStart(2, '0')}` }));
    await rejectedAt(productBody(state, 'med-1', { media: images(21) }), '/body/media');
    expect(await rejectedAt(productBody(state, 'med-2', { media: images(15), videos: videos(6) }), '/body/videos')).toMatch(/15 image\(s\) and 6 video\(s\)/);
    const ok = await sb.call('POST', '/api/v2/products', { body: productBody(state, 'med-3', { media: images(15), videos: videos(5) }) });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.media[0].position).toBe(0);
  });

  it('an update that touches the price is sent to the price endpoint', async () => {
    const product = Object.values(state.products)[0]!;
    const res = expectProblem(await sb.call('PATCH', `/api/v2/products/${product.id}`, { body: { title: 'New', price: 1 } }), 400, 'use_price_endpoint');
    expect(res.errors).toEqual([expect.objectContaining({ pointer: '/body/price' })]);
    expect(res.price_endpoint).toBe(`/api/v2/products/${product.id}/price`);
    const currency = expectProblem(await sb.call('PATCH', `/api/v2/products/${product.id}`, { body: { currency: 'USD' } }), 400, 'use_price_endpoint');
    expect(currency.errors[0].pointer).toBe('/body/currency');
    expectProblem(await sb.call('PATCH', `/api/v2/products/${product.id}`, { body: { price: 'cheaper' } }), 400, 'use_price_endpoint');
    expect(state.products[product.id]!.title).not.toBe('New');
  });
});

describe('videos', () => {
  const forms = [
    'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
    'https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42s',
    'http://m.youtube.com/watch?v=dQw4w9WgXcQ',
    'youtube.com/watch?v=dQw4w9WgXcQ',
    'https://youtu.be/dQw4w9WgXcQ?si=abc',
    'https://www.youtube.com/embed/dQw4w9WgXcQ',
    'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0',
    'https://www.youtube.com/shorts/dQw4w9WgXcQ',
    'https://www.youtube.com/live/dQw4w9WgXcQ?feature=share',
  ];

  it('derive id, thumbnail, title and duration from any common link form, the same for the same id', async () => {
    const results = [];
    for (const [i, link] of forms.entries()) {
      const res = await sb.call('POST', '/api/v2/products', { body: productBody(state, `vid-${i}`, { videos: [{ video_url: link }] }) });
      expect(res.status, `${link}: ${JSON.stringify(res.body)}`).toBe(201);
      results.push(res.body.videos[0]);
    }
    for (const [i, video] of results.entries()) {
      expect(video).toEqual({ ...results[0], video_url: forms[i] });
    }
    expect(results[0]).toMatchObject({ video_id: 'dQw4w9WgXcQ', thumbnail_url: 'https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg' });
    expect(results[0].title.length).toBeGreaterThan(5);
    expect(results[0].duration_seconds).toBeGreaterThanOrEqual(20);
  });

  it('reject anything else with the pointer of the link, on products, updates and variants', async () => {
    for (const link of ['https://vimeo.com/76979871', 'https://www.youtube.com/watch?v=short', 'not a url at all', 'ftp://youtu.be/dQw4w9WgXcQ', 'https://youtube.com/channel/UCabc']) {
      const message = await rejectedAt(productBody(state, 'vid-bad', { videos: [{ video_url: 'https://youtu.be/dQw4w9WgXcQ' }, { video_url: link }] }), '/body/videos/1/video_url');
      expect(message).toMatch(/not a YouTube video link/);
    }
    const product = Object.values(state.products).find((p) => p.variants.length > 0)!;
    const patch = await sb.call('PATCH', `/api/v2/products/${product.id}`, { body: { videos: [{ video_url: 'https://example.com/v.mp4' }] } });
    expect(expectProblem(patch, 400).errors[0].pointer).toBe('/body/videos/0/video_url');
    const ok = await sb.call('PATCH', `/api/v2/products/${product.id}`, { body: { videos: [{ video_url: 'youtu.be/aqz-KE-bpKQ' }] } });
    expect(ok.body.videos[0].video_id).toBe('aqz-KE-bpKQ');
    const dup = await sb.call('PATCH', `/api/v2/products/${product.id}`, { body: { videos: [{ video_url: 'youtu.be/aqz-KE-bpKQ' }, { video_url: 'https://www.youtube.com/watch?v=aqz-KE-bpKQ' }] } });
    expect(expectProblem(dup, 400).errors[0].pointer).toBe('/body/videos/1/video_url');
    const axes = Object.fromEntries(product.variant_parameters.map((name) => [name, 'x']));
    const variant = await sb.call('POST', `/api/v2/products/${product.id}/variants`, {
      body: { sku: 'vid-var', ean: '96385074', parameters: axes, price: 5, videos: [{ video_url: 'https://vimeo.com/1' }] },
    });
    expect(expectProblem(variant, 400).errors.map((e: any) => e.pointer)).toContain('/body/videos/0/video_url');
  });
});

describe('drafts and activation', () => {
  it('new products start as draft; activating listed ids makes them live and emits product.activated', async () => {
    const a = await sb.call('POST', '/api/v2/products', { body: productBody(state, 'act-a') });
    const b = await sb.call('POST', '/api/v2/products', { body: productBody(state, 'act-b') });
    expect([a.body.status, b.body.status]).toEqual(['draft', 'draft']);
    expect(recorder.of('product.created').map((e) => e.data.id)).toEqual(expect.arrayContaining([a.body.id, b.body.id]));

    const res = await sb.call('POST', '/api/v2/products/activate', { body: { product_ids: [a.body.id, 'prod_unknown1'] } });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { id: a.body.id, result: 'activated' },
      { id: 'prod_unknown1', result: 'error', code: 'not_found', pointer: '/body/product_ids/1', message: expect.any(String) },
    ]);
    expect((await sb.call('GET', `/api/v2/products/${a.body.id}`)).body.status).toBe('live');
    expect((await sb.call('GET', `/api/v2/products/${b.body.id}`)).body.status).toBe('draft');
    expect(recorder.of('product.activated').map((e) => e.data.id)).toContain(a.body.id);

    const again = await sb.call('POST', '/api/v2/products/activate', { body: { product_ids: [a.body.id] } });
    expect(again.body.summary).toEqual({ activated: 0, already_live: 1, errors: 0 });
  });

  it('an activation of which no id can go through changes nothing and answers 422 no_items_applied with each pointer', async () => {
    const draft = Object.values(state.products).find((p) => p.status === 'draft' && !p.deleted_at)!;
    const res = await sb.call('POST', '/api/v2/products/activate', { body: { product_ids: ['prod_unknown1', 'prod_unknown2'] } });
    expectProblem(res, 422, 'no_items_applied');
    expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/body/product_ids/0', '/body/product_ids/1']);
    expect(res.body.summary).toEqual({ activated: 0, already_live: 0, errors: 2 });
    expect((await sb.call('GET', `/api/v2/products/${draft.id}`)).body.status).toBe('draft');
  });

  it('without a body every draft goes live', async () => {
    const drafts = Object.values(state.products).filter((p) => p.status === 'draft' && !p.deleted_at).length;
    expect(drafts).toBeGreaterThan(0);
    const res = await sb.call('POST', '/api/v2/products/activate');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.summary.activated).toBe(drafts);
    const left = await sb.call('GET', '/api/v2/products?status=draft');
    expect(left.body.pagination.total).toBe(0);
  });
});

describe('bulk products', () => {
  it('answer 202 with a job whose lines succeed or fail on their own, with pointers into the request', async () => {
    const lines = [
      productBody(state, 'bulk-ok-1'),
      productBody(state, 'bulk-bad-ean', { ean: '4006381333932' }),
      { ...productBody(state, 'bulk-no-title'), title: undefined },
      productBody(state, 'bulk-ok-2', { videos: [{ video_url: 'https://youtu.be/dQw4w9WgXcQ' }] }),
      productBody(state, 'BULK-OK-1'), // the same sku as line 0, in other letters
      { sku: 'bulk-odd', surprise: true },
    ];
    const res = await sb.call('POST', '/api/v2/products/bulk', { body: { products: lines } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.headers.get('location')).toBe(`/api/v2/jobs/${res.body.job_id}`);
    const job = await waitForJob(sb, res.body.job_id);
    // Some lines failed: the job says so in its state, not only in its counters.
    expect(job).toMatchObject({ type: 'products_bulk', state: 'completed_with_errors', progress: { total: 6, processed: 6, succeeded: 2, failed: 4 } });
    const byIndex = Object.fromEntries(job.errors.map((e: any) => [e.index, e]));
    expect(byIndex[1]).toMatchObject({ key: 'bulk-bad-ean', code: 'validation_failed', errors: [expect.objectContaining({ pointer: '/body/products/1/ean' })] });
    expect(byIndex[2].errors.map((e: any) => e.pointer)).toContain('/body/products/2/title');
    expect(byIndex[4]).toMatchObject({ code: 'sku_taken', errors: [expect.objectContaining({ pointer: '/body/products/4/sku' })] });
    expect(byIndex[5].errors.map((e: any) => e.pointer)).toEqual(expect.arrayContaining(['/body/products/5/surprise', '/body/products/5/title']));
    expect(job.results.map((r: any) => [r.index, r.key])).toEqual([
      [0, 'bulk-ok-1'],
      [3, 'bulk-ok-2'],
    ]);
    const created = await sb.call('GET', `/api/v2/products/${job.results[1].id}`);
    expect(created.body).toMatchObject({ sku: 'bulk-ok-2', status: 'draft', videos: [expect.objectContaining({ video_id: 'dQw4w9WgXcQ' })] });
    const completed = recorder.of('job.completed').find((e) => e.data.id === job.id);
    expect(completed?.data).toMatchObject({ state: 'completed_with_errors', progress: { succeeded: 2 } });
  });

  it('end failed when no line creates a product', async () => {
    const res = await sb.call('POST', '/api/v2/products/bulk', { body: { products: [{ sku: 'bulk-none-1' }, productBody(state, 'bulk-none-2', { ean: '4006381333932' })] } });
    expect(res.status).toBe(202);
    const job = await waitForJob(sb, res.body.job_id);
    expect(job).toMatchObject({ state: 'failed', progress: { total: 2, succeeded: 0, failed: 2 }, results: [] });
    expect(job.errors.map((e: any) => e.index)).toEqual([0, 1]);
    expect(recorder.of('job.completed').find((e) => e.data.id === job.id)?.data.state).toBe('failed');
    expect((await sb.call('GET', '/api/v2/products?q=bulk-none')).body.pagination.total).toBe(0);
  });

  it('take 1 to 1000 products: 1001 answers 413 problem+json, an empty list 400', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => productBody(state, `many-${i}`));
    const tooMany = expectProblem(await sb.call('POST', '/api/v2/products/bulk', { body: { products: many } }), 413, 'payload_too_large');
    expect(tooMany).toMatchObject({ max_items: 1000, received_items: 1001 });
    const job = await sb.call('POST', '/api/v2/products/bulk', { body: { products: many.slice(0, 1000) } });
    expect(job.status).toBe(202);
    expect((await waitForJob(sb, job.body.job_id)).progress).toEqual({ total: 1000, processed: 1000, succeeded: 1000, failed: 0 });
    expectProblem(await sb.call('POST', '/api/v2/products/bulk', { body: { products: [] } }), 400, 'validation_failed');
    // A line must at least be a JSON object: anything else is a malformed request, not a bad product.
    const notObject = expectProblem(await sb.call('POST', '/api/v2/products/bulk', { body: { products: [productBody(state, 'obj-1'), 'text'] } }), 400);
    expect(notObject.errors[0].pointer).toBe('/body/products/1');
  });
});

describe('product events', () => {
  it('product.created, product.updated and product.deleted carry the product', async () => {
    const created = await sb.call('POST', '/api/v2/products', { body: productBody(state, 'evt-1') });
    await sb.call('PATCH', `/api/v2/products/${created.body.id}`, { body: { title: 'Renamed' } });
    await sb.call('DELETE', `/api/v2/products/${created.body.id}`);
    expect(recorder.of('product.created').find((e) => e.data.id === created.body.id)).toBeDefined();
    expect(recorder.of('product.updated').find((e) => e.data.id === created.body.id)?.data.title).toBe('Renamed');
    expect(recorder.of('product.deleted').find((e) => e.data.id === created.body.id)?.tenant_id).toBe('ten_nordwind');
  });
});

describe('replacing a product (PUT)', () => {
  it('replaces the content as a whole: what is left out is cleared, variants and price stay', async () => {
    const created = await sb.call('POST', '/api/v2/products', {
      body: { ...productBody(state, 'put-1'), short_description: 'Teaser', description: 'Long text', labels: [state.labels[0]!.id] },
    });
    expect(created.status).toBe(201);
    const p = created.body;
    const replaced = await sb.call('PUT', `/api/v2/products/${p.id}`, {
      body: { title: 'Replaced title', brand_id: p.brand_id, category_id: p.category_id, ean: p.ean, parameters: p.parameters },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: p.id, sku: p.sku, title: 'Replaced title', short_description: '', description: '', labels: [], media: [], price: p.price });
    expect((await sb.call('GET', `/api/v2/products/${p.id}`)).body).toEqual(replaced.body);
    expect(recorder.of('product.updated').find((e) => e.data.id === p.id)?.data.title).toBe('Replaced title');
  });

  it('takes sku, price and currency as they are, and refuses to change them', async () => {
    const p = (await sb.call('POST', '/api/v2/products', { body: productBody(state, 'put-2') })).body;
    const content = { title: p.title, brand_id: p.brand_id, category_id: p.category_id, ean: p.ean, parameters: p.parameters };
    expect((await sb.call('PUT', `/api/v2/products/${p.id}`, { body: { ...content, sku: p.sku, price: p.price, currency: p.currency } })).status).toBe(200);
    const sku = expectProblem(await sb.call('PUT', `/api/v2/products/${p.id}`, { body: { ...content, sku: 'other-sku' } }), 400, 'validation_failed');
    expect(sku.errors).toEqual([{ pointer: '/body/sku', message: expect.stringContaining('cannot change') }]);
    const price = expectProblem(await sb.call('PUT', `/api/v2/products/${p.id}`, { body: { ...content, price: p.price + 1 } }), 400, 'use_price_endpoint');
    expect(price.errors).toEqual([{ pointer: '/body/price', message: expect.stringContaining(`/api/v2/products/${p.id}/price`) }]);
  });

  it('requires the members a product cannot do without, and checks them by the catalogue rules', async () => {
    const p = (await sb.call('POST', '/api/v2/products', { body: productBody(state, 'put-3') })).body;
    const missing = expectProblem(await sb.call('PUT', `/api/v2/products/${p.id}`, { body: { title: 'Only a title' } }), 400, 'validation_failed');
    expect(missing.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/body/brand_id', '/body/category_id', '/body/ean']);
    const badBrand = expectProblem(
      await sb.call('PUT', `/api/v2/products/${p.id}`, { body: { title: 'x', brand_id: 'brand_nothere1', category_id: p.category_id, ean: p.ean, parameters: p.parameters } }),
      400,
      'validation_failed',
    );
    expect(badBrand.errors.map((e: { pointer: string }) => e.pointer)).toContain('/body/brand_id');
    expectProblem(await sb.call('PUT', '/api/v2/products/prod_nothere1', { body: { title: 'x', brand_id: p.brand_id, category_id: p.category_id, ean: p.ean } }), 404, 'not_found');
  });
});

describe('reading a product of the fixture', () => {
  it('answers what the product is now: before and after a change, and after a reset back to the fixture', async () => {
    const product = Object.values(state.products).find((p) => p.status === 'live' && p.variants.length === 0 && !p.deleted_at)!;
    const path = `/api/v2/products/${product.id}`;
    const first = await sb.call('GET', path);
    expect((await sb.call('GET', path)).body).toEqual(first.body); // the same answer twice
    expect(first.body.title).toBe(product.title);

    expect((await sb.call('PATCH', path, { body: { title: 'Changed after a read' } })).status).toBe(200);
    expect((await sb.call('GET', path)).body).toMatchObject({ id: product.id, title: 'Changed after a read' });

    const reset = await sb.control('POST', '/__sandbox/reset', { tenant_id: 'ten_nordwind' });
    expect(reset.status).toBe(200);
    const back = await sb.call('GET', path);
    expect(back.body).toEqual(first.body);
  });
});
