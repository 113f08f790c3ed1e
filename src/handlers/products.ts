// Products, variants and their activation: thin handlers over src/domain/catalog.
// Prices are in prices.ts, bulk creation in product-bulk.ts.
import {
  activate,
  buildProduct,
  buildVariant,
  checkProductRules,
  checkVariant,
  emptyInventory,
  filterProducts,
  findSku,
  isVisible,
  sellableItems,
  toMedia,
  toVideos,
  type ProductInput,
  type VariantInput,
} from '../domain/catalog.ts';
import { normaliseEan } from '../domain/ean.ts';
import { paginate } from '../domain/pagination.ts';
import { pricingOf, recordPrice } from '../domain/pricing.ts';
import type { Product, TenantState, Variant } from '../domain/types.ts';
import type { HandlerContext, Handlers, MarketplaceOperationId, OperationInput, Reply } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { conflict, invalid, notFound, noted, Problem } from '../server/problem.ts';
import { batchOutcome } from '../domain/batch-outcome.ts';
import { newId } from '../store/ids.ts';
import { own } from '../state/copy-on-write.ts';
import { put } from '../state/changes.ts';

/** A product the partner can see, to read: it may be a frozen entity shared with a scenario's world. */
export function visibleProduct(state: TenantState, id: string): Product {
  const found = findVisibleProduct(state, id);
  if (found instanceof Problem) throw found;
  return found;
}

/** The product, or the 404 to answer, returned rather than thrown (a hot read's 404: src/server/README.md). */
function findVisibleProduct(state: TenantState, id: string): Product | Problem {
  const product = state.products[id];
  if (!product) return notFound('Product', id);
  // Gone for the partner; noted, because a connector that still writes to it has a stale product map.
  if (!isVisible(product)) return noted(notFound('Product', id), 'deleted_product');
  return product;
}

/** A product the partner can see, made the tenant's own copy first because the caller changes it. */
export function productToChange(state: TenantState, id: string): Product {
  visibleProduct(state, id);
  return own(state.products, id)!;
}

export function findVariant(product: Product, id: string): Variant {
  const variant = product.variants.find((v) => v.id === id);
  if (!variant) throw notFound('Variant', `${id} of product ${product.id}`);
  return variant;
}

function assertSkuFree(state: TenantState, sku: string, pointer: string): void {
  const taken = findSku(state, sku);
  if (taken) {
    throw conflict('sku_taken', `SKU ${sku} is already used by ${taken.variant?.id ?? taken.product.id}; SKUs are unique per tenant.`, {
      errors: [{ pointer, message: 'is already in use' }],
      existing_id: taken.variant?.id ?? taken.product.id,
    });
  }
}

/** Events carry a copy: subscribers (webhook delivery) may read them after later changes. */
export function emit(ctx: HandlerContext, type: string, data: unknown): void {
  ctx.events.emit(requireTenant(ctx).id, type, structuredClone(data), ctx.now());
}

/** Stores a checked new product with its variants, stock records and first price-history entries. */
export function addProduct(ctx: HandlerContext, input: ProductInput): Product {
  const state = requireTenant(ctx).state;
  const now = ctx.now().toISOString();
  const product = buildProduct(input, { product: newId('prod'), variant: () => newId('var') }, now);
  put(state.products, product.id, product);
  for (const { sku, variant } of sellableItems(product)) put(state.inventory, sku, emptyInventory(sku, product.id, variant?.id ?? null, now));
  recordCreatedPrice(state, product, null, now);
  for (const variant of product.variants) recordCreatedPrice(state, product, variant, now);
  emit(ctx, 'product.created', product);
  return product;
}

function recordCreatedPrice(state: TenantState, product: Product, variant: Variant | null, now: string): void {
  const item = variant ?? product;
  recordPrice(pricingOf(state), {
    item_id: item.id,
    product_id: product.id,
    variant_id: variant?.id ?? null,
    price: item.price,
    currency: item.currency,
    previous_price: null,
    source: 'created',
    changed_at: now,
  });
}

export const productHandlers: Handlers<MarketplaceOperationId> = {
  listProducts({ query }, ctx) {
    const { page, limit, ...filters } = query;
    return { status: 200, body: paginate(filterProducts(requireTenant(ctx).state, filters), page, limit) };
  },

  getProduct({ path }, ctx) {
    const found = findVisibleProduct(requireTenant(ctx).state, path.product_id);
    return found instanceof Problem ? found : { status: 200, body: found };
  },

  createProduct({ body }, ctx) {
    const state = requireTenant(ctx).state;
    const input = body as ProductInput;
    const errors = checkProductRules(state, input);
    if (errors.length) throw invalid(errors);
    assertSkuFree(state, input.sku, '/body/sku');
    input.variants?.forEach((v, i) => assertSkuFree(state, v.sku, `/body/variants/${i}/sku`));
    const product = addProduct(ctx, input);
    return { status: 201, body: product, headers: { location: `/api/v2/products/${product.id}` } };
  },

  updateProduct({ path, body }, ctx) {
    const state = requireTenant(ctx).state;
    const product = productToChange(state, path.product_id);
    const priceMembers = ['price', 'currency'].filter((name) => name in body);
    if (priceMembers.length) throw usePriceEndpoint(product, priceMembers);
    // price and currency were refused above: what is left is an update of the other fields.
    const update: Omit<typeof body, 'price' | 'currency'> = body;
    return applyProductChange(ctx, state, product, update);
  },

  replaceProduct({ path, body }, ctx) {
    const state = requireTenant(ctx).state;
    const product = productToChange(state, path.product_id);
    const { sku, price, currency, ...content } = body;
    if (sku !== undefined && sku !== product.sku) {
      throw invalid([{ pointer: '/body/sku', message: `is ${product.sku} for this product and cannot change; send it as it is or leave it out` }]);
    }
    // Sent as they are (a body made from a GET), they change nothing; another value is a price change.
    const priceMembers = [
      ...(price !== undefined && price !== product.price ? ['price'] : []),
      ...(currency !== undefined && currency !== product.currency ? ['currency'] : []),
    ];
    if (priceMembers.length) throw usePriceEndpoint(product, priceMembers);
    // A replace clears what it leaves out; variant parameters stay while variants depend on them.
    const cleared = { short_description: '', description: '', parameters: {}, labels: [], media: [], videos: [] };
    const update = { ...cleared, ...(product.variants.length ? {} : { variant_parameters: [] }), ...content };
    return applyProductChange(ctx, state, product, update);
  },

  activateProducts({ body }, ctx) {
    const state = requireTenant(ctx).state;
    const now = ctx.now().toISOString();
    // No list means every draft: the catalogue is ready to go on sale.
    const ids: string[] =
      body?.product_ids ?? Object.values(state.products).filter((p) => isVisible(p) && p.status === 'draft').map((p) => p.id);
    const summary = { activated: 0, already_live: 0, errors: 0 };
    // Checked before anything changes: a batch of which nothing can go through changes nothing.
    const results = ids.map((id, i) => {
      const product = own(state.products, id);
      if (!product || !isVisible(product)) {
        summary.errors++;
        const pointer = `/body/product_ids/${i}`;
        return { id, result: 'error' as const, code: 'not_found', pointer, message: `${id} is not a product of this tenant (or was deleted)` };
      }
      return { id, result: 'found' as const, product };
    });
    if (ids.length > 0 && batchOutcome(ids.length - summary.errors, summary.errors) === 'failed') throw nothingActivated(results);
    const answered = results.map((r) => {
      if (r.result === 'error') return r;
      if (activate(r.product, now)) {
        summary.activated++;
        emit(ctx, 'product.activated', r.product);
        return { id: r.id, result: 'activated' as const };
      }
      summary.already_live++;
      return { id: r.id, result: 'already_live' as const };
    });
    return { status: 200, body: { results: answered, summary }, notes: summary.already_live ? ['unchanged_update'] : [] };
  },

  deleteProduct({ path }, ctx) {
    const product = productToChange(requireTenant(ctx).state, path.product_id);
    const now = ctx.now().toISOString();
    product.deleted_at = now;
    product.updated_at = now;
    emit(ctx, 'product.deleted', { id: product.id, sku: product.sku, deleted_at: now });
    return { status: 204 };
  },

  listProductVariants({ path }, ctx) {
    return { status: 200, body: { data: visibleProduct(requireTenant(ctx).state, path.product_id).variants } };
  },

  getProductVariant({ path }, ctx) {
    const product = visibleProduct(requireTenant(ctx).state, path.product_id);
    return { status: 200, body: findVariant(product, path.variant_id) };
  },

  createProductVariant({ path, body }, ctx) {
    const state = requireTenant(ctx).state;
    const product = productToChange(state, path.product_id);
    const input = body as VariantInput;
    const category = state.categories.find((c) => c.id === product.category_id);
    const errors = checkVariant(category, product.variant_parameters, input, product.variants, '/body');
    if (errors.length) throw invalid(errors);
    assertSkuFree(state, input.sku, '/body/sku');
    const now = ctx.now().toISOString();
    const variant = buildVariant(input, product.id, newId('var'), product.currency, now);
    product.variants.push(variant);
    product.updated_at = now;
    put(state.inventory, variant.sku, emptyInventory(variant.sku, product.id, variant.id, now));
    recordCreatedPrice(state, product, variant, now);
    emit(ctx, 'product.updated', product);
    return { status: 201, body: variant, headers: { location: `/api/v2/products/${product.id}/variants/${variant.id}` } };
  },
};

/** No listed product could be activated or was live already: a 422 listing every id's error. */
function nothingActivated(results: { id: string; result: string; code?: string; pointer?: string; message?: string }[]): Problem {
  const errors = results.map((r) => ({ pointer: r.pointer!, message: r.message! }));
  const shown = errors.slice(0, 3).map((e) => `${e.pointer}: ${e.message}`).join('; ');
  return new Problem(
    422,
    'no_items_applied',
    `None of the ${results.length} product(s) was activated, so nothing changed: ${shown}${errors.length > 3 ? `; and ${errors.length - 3} more (see errors)` : ''}. Send ids of your own products (GET /api/v2/products?status=draft lists the drafts).`,
    { errors, results, summary: { activated: 0, already_live: 0, errors: results.length } },
  );
}

/** What PATCH and PUT may change: the update's members (price and currency are refused before). */
type ProductChange = Omit<OperationInput<'updateProduct'>['body'], 'price' | 'currency'>;

/** 400 use_price_endpoint: prices change only where price protection applies. */
function usePriceEndpoint(product: Product, members: string[]): Problem {
  const endpoint = `/api/v2/products/${product.id}/price`;
  return new Problem(
    400,
    'use_price_endpoint',
    `Prices change only through PUT ${endpoint} (a variant's through PUT /api/v2/products/${product.id}/variants/{variant_id}/price), where price protection applies. Remove ${members.join(' and ')} from this update.`,
    { errors: members.map((name) => ({ pointer: `/body/${name}`, message: `is not changed here; use PUT ${endpoint}` })), price_endpoint: endpoint },
  );
}

/** PATCH and PUT alike: checks the new content against the catalogue's rules, applies it, tells the partner's webhooks. */
function applyProductChange(ctx: HandlerContext, state: TenantState, product: Product, update: ProductChange): Reply<'updateProduct' | 'replaceProduct'> {
  const errors = checkProductRules(state, update, product);
  if (errors.length) throw invalid(errors);
  const before = JSON.stringify(product);
  const { media, ean, videos, ...fields } = update;
  Object.assign(product, fields);
  if (ean !== undefined) product.ean = normaliseEan(ean)!;
  if (media !== undefined) product.media = toMedia(media);
  if (videos !== undefined) product.videos = toVideos(videos);
  if (JSON.stringify(product) === before) return { status: 200, body: product, notes: ['unchanged_update'] };
  product.updated_at = ctx.now().toISOString();
  emit(ctx, 'product.updated', product);
  return { status: 200, body: product };
}
