// Catalog rules over plain data: which products a partner sees, how filters apply, and what a
// valid product is in its category. No HTTP, no storage: callers pass the tenant's state in.
import { normaliseEan } from './ean.ts';
import type { Category, Currency, InventoryItem, Product, TenantState, Variant } from './types.ts';

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
}

/** Every sku the tenant sells, on products and variants, with what it belongs to. */
export function findSku(state: TenantState, sku: string): { product: Product; variant: Variant | null } | null {
  const wanted = sku.toLowerCase();
  for (const product of Object.values(state.products)) {
    if (product.deleted_at) continue;
    if (product.sku.toLowerCase() === wanted) return { product, variant: null };
    for (const variant of product.variants) if (variant.sku.toLowerCase() === wanted) return { product, variant };
  }
  return null;
}

/** Checks references and category rules of a product's fields; `partial` for updates. */
export function checkProductRules(state: TenantState, input: Partial<ProductInput>, current?: Product): RuleViolation[] {
  const errors: RuleViolation[] = [];
  if (input.ean !== undefined && normaliseEan(input.ean) === null) {
    errors.push({ pointer: '/body/ean', message: 'is not a valid EAN/GTIN (13 digits with a valid check digit; 8 or 14 digits are normalised)' });
  }
  if (input.brand_id !== undefined && !state.brands.some((b) => b.id === input.brand_id)) {
    errors.push({ pointer: '/body/brand_id', message: `brand ${input.brand_id} does not exist (GET /api/v2/brands lists them)` });
  }
  const categoryId = input.category_id ?? current?.category_id;
  const category = state.categories.find((c) => c.id === categoryId);
  if (input.category_id !== undefined && !category) {
    errors.push({ pointer: '/body/category_id', message: `category ${input.category_id} does not exist (GET /api/v2/categories lists them)` });
  } else if (category && !category.leaf && input.category_id !== undefined) {
    errors.push({ pointer: '/body/category_id', message: `category ${category.id} is not a leaf; products belong to leaf categories` });
  }
  if (input.labels) {
    input.labels.forEach((id, i) => {
      if (!state.labels.some((l) => l.id === id)) errors.push({ pointer: `/body/labels/${i}`, message: `label ${id} does not exist` });
    });
  }
  if (category && category.leaf && (input.parameters !== undefined || input.category_id !== undefined)) {
    errors.push(...checkParameters(category, input.parameters ?? current?.parameters ?? {}, '/body/parameters'));
  }
  return errors;
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
    if (param.type === 'enum' && param.values && !param.values.includes(value)) {
      errors.push({ pointer: `${pointer}/${param.name}`, message: `must be one of: ${param.values.join(', ')}` });
    }
    if (param.type === 'number' && !Number.isFinite(Number(value))) {
      errors.push({ pointer: `${pointer}/${param.name}`, message: 'must be a number' });
    }
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

export function buildProduct(input: ProductInput, id: string, now: string): Product {
  return {
    id,
    sku: input.sku,
    title: input.title,
    short_description: input.short_description ?? '',
    description: input.description ?? '',
    brand_id: input.brand_id,
    category_id: input.category_id,
    ean: normaliseEan(input.ean)!,
    price: input.price,
    currency: input.currency ?? 'EUR',
    status: 'draft',
    availability: { status: 'active', in_stock: 0 },
    parameters: input.parameters ?? {},
    variant_parameters: input.variant_parameters ?? [],
    variants: [],
    labels: input.labels ?? [],
    media: (input.media ?? []).map((m, i) => ({ type: 'image', url: m.url, position: m.position ?? i + 1 })),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
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
