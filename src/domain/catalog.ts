// Catalog rules over plain data: which products a partner sees, how filters apply, and what a
// valid product is in its category. No HTTP, no storage: callers pass the tenant's state in.
import { eanProblem, normaliseEan } from './ean.ts';
import { isOnStorefront } from './storefront.ts';
import type { Category, CategoryParameter, Currency, InventoryItem, Media, Product, TenantState, Variant, Video } from './types.ts';
import { ACCEPTED_FORMS, describeVideo, youTubeVideoId } from './videos.ts';

/** A rule a submitted product breaks, with the pointer into the submitted body. */
export interface RuleViolation {
  pointer: string;
  message: string;
}

export interface ProductFilters {
  category?: string;
  brand?: string;
  price_min?: number;
  price_max?: number;
  in_stock?: boolean;
  q?: string;
  status?: Product['status'];
  /** true: only products shoppers can see (see storefront.ts); false: only hidden ones. */
  visible?: boolean;
}

/** Soft-deleted products are gone for the partner: not listed, not readable. */
export const isVisible = (p: Product): boolean => p.deleted_at === null;

/** A category and all categories below it, so filtering by a root finds its leaves' products. */
export function categoryWithDescendants(categories: Category[], id: string): Set<string> {
  const ids = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of categories) {
      if (c.parent_id && ids.has(c.parent_id) && !ids.has(c.id)) {
        ids.add(c.id);
        grew = true;
      }
    }
  }
  return ids;
}

/** The lowest price a product is sold at: its own, or its cheapest variant's. */
export function fromPrice(p: Product): number {
  return p.variants.length ? Math.min(...p.variants.map((v) => v.price)) : p.price;
}

export function filterProducts(state: TenantState, f: ProductFilters): Product[] {
  const categories = f.category ? categoryWithDescendants(state.categories, f.category) : null;
  const q = f.q?.toLowerCase();
  const out: Product[] = [];
  for (const p of Object.values(state.products)) {
    if (!isVisible(p)) continue;
    if (categories && !categories.has(p.category_id)) continue;
    if (f.brand && p.brand_id !== f.brand) continue;
    if (f.status && p.status !== f.status) continue;
    if (f.visible !== undefined && f.visible !== isOnStorefront(p)) continue;
    if (f.price_min !== undefined || f.price_max !== undefined) {
      const price = fromPrice(p);
      if (f.price_min !== undefined && price < f.price_min) continue;
      if (f.price_max !== undefined && price > f.price_max) continue;
    }
    if (f.in_stock !== undefined && f.in_stock !== p.availability.in_stock > 0) continue;
    if (q) {
      const haystack = `${p.title}\n${p.short_description}\n${p.description}\n${p.sku}\n${p.ean}`.toLowerCase();
      if (!haystack.includes(q)) continue;
    }
    out.push(p);
  }
  return out;
}

export interface VideoInput {
  video_url: string;
}

export interface VariantInput {
  sku: string;
  ean: string;
  parameters: Record<string, string>;
  price: number;
  currency?: Currency;
  videos?: VideoInput[];
}

export interface ProductInput {
  sku: string;
  title: string;
  short_description?: string;
  description?: string;
  brand_id: string;
  category_id: string;
  ean: string;
  price: number;
  currency?: Currency;
  parameters?: Record<string, string>;
  variant_parameters?: string[];
  labels?: string[];
  media?: { url: string; position?: number }[];
  videos?: VideoInput[];
  variants?: VariantInput[];
}

/** Images and videos of one listing together. */
export const MAX_MEDIA = 20;

export type SkuOwner = { product: Product; variant: Variant | null };

/** Every sku the tenant sells, on products and variants, with what it belongs to. */
export function findSku(state: TenantState, sku: string): SkuOwner | null {
  const wanted = sku.toLowerCase();
  for (const product of Object.values(state.products)) {
    if (product.deleted_at) continue;
    if (product.sku.toLowerCase() === wanted) return { product, variant: null };
    for (const variant of product.variants) if (variant.sku.toLowerCase() === wanted) return { product, variant };
  }
  return null;
}

/**
 * SKUs are unique per tenant, ignoring case. A bulk job looks thousands up: it builds this
 * index once (lower-cased sku → owner) and adds what it creates, instead of scanning per line.
 */
export function skuIndex(state: TenantState): Map<string, SkuOwner> {
  const index = new Map<string, SkuOwner>();
  for (const product of Object.values(state.products)) {
    if (product.deleted_at) continue;
    index.set(product.sku.toLowerCase(), { product, variant: null });
    for (const variant of product.variants) index.set(variant.sku.toLowerCase(), { product, variant });
  }
  return index;
}

/**
 * The rules of a product beyond its JSON schema, each with the pointer of the member that breaks
 * it, under `base` (`/body` for a single request, `/body/products/3` for a bulk line). Without
 * `current` the input is a new product; with it, a partial update of `current`.
 */
export function checkProductRules(state: TenantState, input: Partial<ProductInput>, current?: Product, base = '/body'): RuleViolation[] {
  const errors: RuleViolation[] = [];
  if (input.ean !== undefined) {
    const problem = eanProblem(input.ean);
    if (problem) errors.push({ pointer: `${base}/ean`, message: problem });
  }
  if (input.brand_id !== undefined && !state.brands.some((b) => b.id === input.brand_id)) {
    errors.push({ pointer: `${base}/brand_id`, message: `brand ${input.brand_id} does not exist (GET /api/v2/brands lists them)` });
  }
  const categoryId = input.category_id ?? current?.category_id;
  const category = state.categories.find((c) => c.id === categoryId);
  if (input.category_id !== undefined && !category) {
    errors.push({ pointer: `${base}/category_id`, message: `category ${input.category_id} does not exist (GET /api/v2/categories lists them)` });
  } else if (category && !category.leaf && input.category_id !== undefined) {
    errors.push({ pointer: `${base}/category_id`, message: `category ${category.id} (${category.name}) is not a leaf; products belong to leaf categories` });
  }
  if (input.labels) {
    input.labels.forEach((id, i) => {
      if (!state.labels.some((l) => l.id === id)) errors.push({ pointer: `${base}/labels/${i}`, message: `label ${id} does not exist (GET /api/v2/labels lists them)` });
    });
  }
  const axes = input.variant_parameters ?? current?.variant_parameters ?? [];
  const leaf = category?.leaf ? category : undefined;
  if (leaf && (input.variant_parameters !== undefined || input.category_id !== undefined)) {
    errors.push(...checkVariantAxes(leaf, axes, input.variant_parameters ? `${base}/variant_parameters` : `${base}/category_id`));
  }
  if (current?.variants.length && input.variant_parameters !== undefined && input.variant_parameters.join() !== current.variant_parameters.join()) {
    errors.push({ pointer: `${base}/variant_parameters`, message: `cannot change while the product has variants (${current.variants.length}); its variants differ on ${current.variant_parameters.join(', ')}` });
  }
  if (leaf && (input.parameters !== undefined || input.category_id !== undefined || input.variant_parameters !== undefined)) {
    // Variant parameters are set per variant, so the product itself need not carry them.
    const productLevel = { ...leaf, parameters: leaf.parameters.map((p) => (axes.includes(p.name) ? { ...p, required: false } : p)) };
    errors.push(...checkParameters(productLevel, input.parameters ?? current?.parameters ?? {}, `${base}/parameters`));
  }
  const images = input.media?.length ?? current?.media.length ?? 0;
  if (input.videos !== undefined) errors.push(...checkVideos(input.videos, images, `${base}/videos`));
  else if (input.media !== undefined && images + (current?.videos.length ?? 0) > MAX_MEDIA) {
    errors.push({ pointer: `${base}/media`, message: `images and videos together are limited to ${MAX_MEDIA}; the product has ${current?.videos.length ?? 0} video(s)` });
  }
  if (input.variants !== undefined) {
    const siblings: { parameters: Record<string, string> }[] = [];
    input.variants.forEach((variant, i) => {
      errors.push(...checkVariant(leaf, axes, variant, siblings, `${base}/variants/${i}`));
      siblings.push(variant);
    });
    errors.push(...checkOwnSkus(input, base));
  }
  return errors;
}

/** At most 2 variant parameters, each one the category allows to vary. */
function checkVariantAxes(category: Category, axes: string[], pointer: string): RuleViolation[] {
  const allowed = category.parameters.filter((p) => p.variant_allowed).map((p) => p.name);
  const errors: RuleViolation[] = [];
  axes.forEach((name, i) => {
    if (!allowed.includes(name)) {
      errors.push({
        pointer: pointer.endsWith('/variant_parameters') ? `${pointer}/${i}` : pointer,
        message: `${name} is not a variant parameter of category ${category.name} (allowed: ${allowed.join(', ') || 'none'})`,
      });
    }
  });
  return errors;
}

/**
 * One variant of a product whose variant parameters are `axes`: it sets exactly those, with
 * values the category allows, and differs on them from every sibling.
 */
export function checkVariant(
  category: Category | undefined,
  axes: string[],
  input: VariantInput,
  siblings: { id?: string; parameters: Record<string, string> }[],
  base: string,
): RuleViolation[] {
  const errors: RuleViolation[] = [];
  const ean = eanProblem(input.ean);
  if (ean) errors.push({ pointer: `${base}/ean`, message: ean });
  if (axes.length === 0) {
    errors.push({ pointer: `${base}/parameters`, message: 'the product declares no variant_parameters, so its variants could not differ; set variant_parameters on the product first' });
  } else {
    for (const name of Object.keys(input.parameters)) {
      if (!axes.includes(name)) errors.push({ pointer: `${base}/parameters/${name}`, message: `is not a variant parameter of this product (variant parameters: ${axes.join(', ')})` });
    }
    for (const name of axes) {
      const value = input.parameters[name];
      const param = category?.parameters.find((p) => p.name === name);
      if (value === undefined || value === '') errors.push({ pointer: `${base}/parameters/${name}`, message: `is required: every variant sets each variant parameter (${axes.join(', ')})` });
      else if (param) {
        const problem = valueProblem(param, value);
        if (problem) errors.push({ pointer: `${base}/parameters/${name}`, message: problem });
      }
    }
    const same = siblings.findIndex((s) => axes.every((name) => s.parameters[name] === input.parameters[name]));
    if (same >= 0) {
      const sibling = siblings[same]!;
      errors.push({
        pointer: `${base}/parameters`,
        message: `duplicates ${sibling.id ? `variant ${sibling.id}` : base.replace(/\d+$/, String(same))}: variants must differ on ${axes.join(', ')}`,
      });
    }
  }
  if (input.videos !== undefined) errors.push(...checkVideos(input.videos, 0, `${base}/videos`));
  return errors;
}

/** Within one submitted product, the product and its variants need distinct SKUs. */
function checkOwnSkus(input: Partial<ProductInput>, base: string): RuleViolation[] {
  const errors: RuleViolation[] = [];
  const seen = new Map<string, string>();
  if (input.sku) seen.set(input.sku.toLowerCase(), `${base}/sku`);
  input.variants?.forEach((v, i) => {
    const pointer = `${base}/variants/${i}/sku`;
    const first = seen.get(v.sku.toLowerCase());
    if (first) errors.push({ pointer, message: `repeats the sku at ${first}; SKUs are unique per tenant, ignoring case` });
    else seen.set(v.sku.toLowerCase(), pointer);
  });
  return errors;
}

/** YouTube links only, each video once, and with the images at most MAX_MEDIA in all. */
export function checkVideos(videos: VideoInput[], images: number, pointer: string): RuleViolation[] {
  const errors: RuleViolation[] = [];
  const seen = new Map<string, number>();
  videos.forEach((v, i) => {
    const id = youTubeVideoId(v.video_url);
    if (!id) {
      errors.push({ pointer: `${pointer}/${i}/video_url`, message: `is not a YouTube video link; accepted forms: ${ACCEPTED_FORMS}` });
      return;
    }
    const first = seen.get(id);
    if (first !== undefined) errors.push({ pointer: `${pointer}/${i}/video_url`, message: `is video ${id} again (already at ${pointer}/${first})` });
    else seen.set(id, i);
  });
  if (images + videos.length > MAX_MEDIA) {
    errors.push({ pointer, message: `images and videos together are limited to ${MAX_MEDIA}; this listing has ${images} image(s) and ${videos.length} video(s)` });
  }
  return errors;
}

/** Videos of a checked input (every link is known to be a YouTube link). */
export function toVideos(inputs: VideoInput[] | undefined): Video[] {
  return (inputs ?? []).map((v) => describeVideo(v.video_url, youTubeVideoId(v.video_url)!));
}

export function toMedia(inputs: { url: string; position?: number }[] | undefined): Media[] {
  return (inputs ?? []).map((m, i) => ({ type: 'image', url: m.url, position: m.position ?? i }));
}

function valueProblem(param: CategoryParameter, value: string): string | null {
  if (param.type === 'enum' && param.values && !param.values.includes(value)) return `must be one of: ${param.values.join(', ')}`;
  if (param.type === 'number' && !Number.isFinite(Number(value))) return 'must be a number';
  return null;
}

/** A category's required parameters, enum values and conditions ("when X is Y, Z is required"). */
export function checkParameters(category: Category, values: Record<string, string>, pointer: string): RuleViolation[] {
  const errors: RuleViolation[] = [];
  for (const param of category.parameters) {
    const value = values[param.name];
    if (value === undefined || value === '') {
      if (param.required) errors.push({ pointer: `${pointer}/${param.name}`, message: `is required in category ${category.name}` });
      continue;
    }
    const problem = valueProblem(param, value);
    if (problem) errors.push({ pointer: `${pointer}/${param.name}`, message: problem });
  }
  for (const condition of category.conditions) {
    if (values[condition.when.parameter] !== condition.when.equals) continue;
    for (const name of condition.require) {
      if (values[name] === undefined || values[name] === '') {
        errors.push({ pointer: `${pointer}/${name}`, message: `is required when ${condition.when.parameter} is ${condition.when.equals}` });
      }
    }
  }
  for (const name of Object.keys(values)) {
    if (!category.parameters.some((p) => p.name === name)) {
      errors.push({ pointer: `${pointer}/${name}`, message: `is not a parameter of category ${category.name}` });
    }
  }
  return errors;
}

/** A new product from a checked input: `draft` until activated, with its variants. */
export function buildProduct(input: ProductInput, ids: { product: string; variant: () => string }, now: string): Product {
  const currency = input.currency ?? 'EUR';
  return {
    id: ids.product,
    sku: input.sku,
    title: input.title,
    short_description: input.short_description ?? '',
    description: input.description ?? '',
    brand_id: input.brand_id,
    category_id: input.category_id,
    ean: normaliseEan(input.ean)!,
    price: input.price,
    currency,
    status: 'draft',
    availability: { status: 'active', in_stock: 0 },
    parameters: input.parameters ?? {},
    variant_parameters: input.variant_parameters ?? [],
    variants: (input.variants ?? []).map((v) => buildVariant(v, ids.product, ids.variant(), currency, now)),
    labels: input.labels ?? [],
    media: toMedia(input.media),
    videos: toVideos(input.videos),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
}

export function buildVariant(input: VariantInput, productId: string, id: string, productCurrency: Currency, now: string): Variant {
  return {
    id,
    product_id: productId,
    sku: input.sku,
    ean: normaliseEan(input.ean)!,
    parameters: input.parameters,
    price: input.price,
    currency: input.currency ?? productCurrency,
    availability: { status: 'active', in_stock: 0 },
    videos: toVideos(input.videos),
    created_at: now,
    updated_at: now,
  };
}

/** The SKUs that hold stock: a product's variants, or the product itself when it has none. */
export function sellableItems(product: Product): { sku: string; variant: Variant | null }[] {
  return product.variants.length ? product.variants.map((v) => ({ sku: v.sku, variant: v })) : [{ sku: product.sku, variant: null }];
}

/** Draft → live. Returns false when the product already was live. */
export function activate(product: Product, now: string): boolean {
  if (product.status === 'live') return false;
  product.status = 'live';
  product.updated_at = now;
  return true;
}

export function emptyInventory(sku: string, productId: string, variantId: string | null, now: string): InventoryItem {
  return {
    sku,
    product_id: productId,
    variant_id: variantId,
    quantity: 0,
    reserved: 0,
    available: 0,
    low_stock_threshold: 5,
    locations: [],
    updated_at: now,
  };
}

/** The category tree for GET /categories: roots with nested children. */
export interface CategoryNode {
  id: string;
  name: string;
  leaf: boolean;
  children: CategoryNode[];
}

export function categoryTree(categories: Category[]): CategoryNode[] {
  const nodes = new Map<string, CategoryNode>(
    categories.map((c) => [c.id, { id: c.id, name: c.name, leaf: c.leaf, children: [] }]),
  );
  const roots: CategoryNode[] = [];
  for (const c of categories) {
    const node = nodes.get(c.id)!;
    const parent = c.parent_id ? nodes.get(c.parent_id) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  return roots;
}
