// POST /api/v2/products/bulk: up to 1000 products in one request, created by a job. Each line
// stands on its own: it is checked against the createProduct body schema and the catalogue rules,
// and either becomes a draft product (its id in the job's `results`) or a job error whose field
// errors point into this request (/body/products/<index>/…). One bad line never sinks the rest.
import { checkProductRules, skuIndex, type ProductInput, type SkuOwner } from '../domain/catalog.ts';
import type { HandlerContext, Handlers, MarketplaceOperationId } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import type { Tenant } from '../store/store.ts';
import { accepted, newJob, runJob, type LineOutcome } from './jobs.ts';
import { addProduct } from './products.ts';
import { put } from '../state/changes.ts';

export const productBulkHandlers: Handlers<MarketplaceOperationId> = {
  createProductsBulk({ body }, ctx) {
    const tenant = requireTenant(ctx);
    const lines: unknown[] = body.products;
    const job = newJob('products_bulk', lines.length, ctx.now());
    put(tenant.state.jobs, job.id, job);
    runJob(tenant, ctx, job, () => productLine(tenant, ctx, lines));
    return accepted(job);
  },
};

function productLine(tenant: Tenant, ctx: HandlerContext, lines: unknown[]) {
  if (!ctx.checkRequestBody) throw new Error('createProductsBulk needs HandlerContext.checkRequestBody (see src/server/app.ts).');
  const check = ctx.checkRequestBody;
  // Built once per job and kept current, so 1000 lines do not each scan the catalogue for their sku.
  const owners: Map<string, SkuOwner> = skuIndex(tenant.state);
  return (index: number): LineOutcome => {
    const base = `/body/products/${index}`;
    const line = lines[index] as ProductInput;
    const key = typeof line?.sku === 'string' ? line.sku : `#${index}`;
    const fail = (code: string, errors: { pointer: string; message: string }[]): LineOutcome => ({
      ok: false,
      key,
      code,
      message: errors.map((e) => `${e.pointer} ${e.message}`).join('; '),
      errors,
    });
    const schemaErrors = check('createProduct', line, base);
    if (schemaErrors.length) return fail('validation_failed', schemaErrors);
    const ruleErrors = checkProductRules(tenant.state, line, undefined, base);
    if (ruleErrors.length) return fail('validation_failed', ruleErrors);
    const taken = [line.sku, ...(line.variants ?? []).map((v) => v.sku)]
      .map((sku, i) => ({ sku, pointer: i === 0 ? `${base}/sku` : `${base}/variants/${i - 1}/sku`, owner: owners.get(sku.toLowerCase()) }))
      .filter((t) => t.owner);
    if (taken.length) {
      return fail(
        'sku_taken',
        taken.map((t) => ({ pointer: t.pointer, message: `is already used by ${t.owner!.variant?.id ?? t.owner!.product.id}; SKUs are unique per tenant, ignoring case` })),
      );
    }
    const product = addProduct(ctx, line);
    owners.set(product.sku.toLowerCase(), { product, variant: null });
    for (const variant of product.variants) owners.set(variant.sku.toLowerCase(), { product, variant });
    return { ok: true, key, id: product.id };
  };
}
