// Products, variants and their prices: thin handlers over src/domain/catalog.
import {
  buildProduct,
  checkParameters,
  checkProductRules,
  emptyInventory,
  filterProducts,
  findSku,
  isVisible,
  type ProductInput,
} from '../domain/catalog.ts';
import { normaliseEan } from '../domain/ean.ts';
import { paginate } from '../domain/pagination.ts';
import type { Product, TenantState, Variant } from '../domain/types.ts';
import type { HandlerContext, HandlerRegistry } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { conflict, invalid, notFound } from '../server/problem.ts';
import { newId } from '../store/ids.ts';

export function visibleProduct(state: TenantState, id: string): Product {
  const product = state.products[id];
  if (!product || !isVisible(product)) throw notFound('Product', id);
  return product;
}

function findVariant(product: Product, id: string): Variant {
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

function emit(ctx: HandlerContext, type: string, data: unknown): void {
  ctx.events.emit(requireTenant(ctx).id, type, data, ctx.now());
}

export const productHandlers: HandlerRegistry = {
  listProducts({ query }, ctx) {
    const { page, limit, ...filters } = query;
    return { status: 200, body: paginate(filterProducts(requireTenant(ctx).state, filters), page, limit) };
  },

  getProduct({ path }, ctx) {
    return { status: 200, body: visibleProduct(requireTenant(ctx).state, path.product_id) };
  },

  createProduct({ body }, ctx) {
    const state = requireTenant(ctx).state;
    const input = body as ProductInput;
    const errors = checkProductRules(state, input);
    if (errors.length) throw invalid(errors);
    assertSkuFree(state, input.sku, '/body/sku');
    const now = ctx.now().toISOString();
    const product = buildProduct(input, newId('prod'), now);
    state.products[product.id] = product;
    state.inventory[product.sku] = emptyInventory(product.sku, product.id, null, now);
    emit(ctx, 'product.created', product);
    return { status: 201, body: product, headers: { location: `/api/v2/products/${product.id}` } };
  },

  updateProduct({ path, body }, ctx) {
    const state = requireTenant(ctx).state;
    const product = visibleProduct(state, path.product_id);
    const errors = checkProductRules(state, body, product);
    if (errors.length) throw invalid(errors);
    const { media, ean, ...fields } = body as Partial<ProductInput>;
    Object.assign(product, fields);
    if (ean !== undefined) product.ean = normaliseEan(ean)!;
    if (media !== undefined) product.media = media.map((m, i) => ({ type: 'image', url: m.url, position: m.position ?? i + 1 }));
    product.updated_at = ctx.now().toISOString();
    emit(ctx, 'product.updated', product);
    return { status: 200, body: product };
  },

  deleteProduct({ path }, ctx) {
    const product = visibleProduct(requireTenant(ctx).state, path.product_id);
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
    const product = visibleProduct(state, path.product_id);
    const ean = normaliseEan(body.ean);
    const errors = ean ? [] : [{ pointer: '/body/ean', message: 'is not a valid EAN/GTIN (13 digits with a valid check digit)' }];
    const category = state.categories.find((c) => c.id === product.category_id);
    if (category) {
      const allowed = product.variant_parameters;
      for (const name of Object.keys(body.parameters)) {
        if (!allowed.includes(name)) {
          errors.push({ pointer: `/body/parameters/${name}`, message: `is not a variant parameter of this product (variant parameters: ${allowed.join(', ') || 'none'})` });
        }
      }
      const scoped = { ...category, parameters: category.parameters.filter((p) => allowed.includes(p.name)), conditions: [] };
      errors.push(...checkParameters(scoped, body.parameters, '/body/parameters').filter((e) => !e.message.startsWith('is not a parameter')));
      const same = product.variants.find((v) => allowed.every((name) => v.parameters[name] === body.parameters[name]));
      if (allowed.length && same) errors.push({ pointer: '/body/parameters', message: `duplicates variant ${same.id}: variants must differ on ${allowed.join(', ')}` });
    }
    if (errors.length) throw invalid(errors);
    assertSkuFree(state, body.sku, '/body/sku');
    const now = ctx.now().toISOString();
    const variant: Variant = {
      id: newId('var'),
      product_id: product.id,
      sku: body.sku,
      ean: ean!,
      parameters: body.parameters,
      price: body.price,
      currency: body.currency ?? product.currency,
      availability: { status: 'active', in_stock: 0 },
      created_at: now,
      updated_at: now,
    };
    product.variants.push(variant);
    product.updated_at = now;
    state.inventory[variant.sku] = emptyInventory(variant.sku, product.id, variant.id, now);
    emit(ctx, 'product.updated', product);
    return { status: 201, body: variant, headers: { location: `/api/v2/products/${product.id}/variants/${variant.id}` } };
  },

  updateProductPrice({ path, body }, ctx) {
    const product = visibleProduct(requireTenant(ctx).state, path.product_id);
    return setPrice(ctx, product, null, body);
  },

  updateVariantPrice({ path, body }, ctx) {
    const product = visibleProduct(requireTenant(ctx).state, path.product_id);
    return setPrice(ctx, product, findVariant(product, path.variant_id), body);
  },
};

function setPrice(ctx: HandlerContext, product: Product, variant: Variant | null, body: { price: number; currency?: Product['currency'] }) {
  const item = variant ?? product;
  const previous = item.price;
  const now = ctx.now().toISOString();
  item.price = body.price;
  if (body.currency) item.currency = body.currency;
  item.updated_at = now;
  const result = {
    item_id: item.id,
    product_id: product.id,
    variant_id: variant?.id ?? null,
    price: item.price,
    currency: item.currency,
    previous_price: previous,
    updated_at: now,
  };
  if (previous !== item.price) emit(ctx, 'price.updated', result);
  return { status: 200, body: result };
}
