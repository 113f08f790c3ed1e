// Catalog reference data: categories (tree and detail), brands, labels.
import { categoryTree } from '../domain/catalog.ts';
import { paginate } from '../domain/pagination.ts';
import type { Handlers, MarketplaceOperationId } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { notFound } from '../server/problem.ts';

export const catalogHandlers: Handlers<MarketplaceOperationId> = {
  listCategories(_input, ctx) {
    return { status: 200, body: { data: categoryTree(requireTenant(ctx).state.categories) } };
  },

  getCategory({ path }, ctx) {
    const category = requireTenant(ctx).state.categories.find((c) => c.id === path.category_id);
    if (!category) throw notFound('Category', path.category_id);
    return { status: 200, body: category };
  },

  listBrands({ query }, ctx) {
    const q = query.q?.toLowerCase();
    const brands = requireTenant(ctx).state.brands.filter((b) => !q || b.name.toLowerCase().includes(q));
    return { status: 200, body: paginate(brands, query.page, query.limit) };
  },

  getBrand({ path }, ctx) {
    const brand = requireTenant(ctx).state.brands.find((b) => b.id === path.brand_id);
    if (!brand) throw notFound('Brand', path.brand_id);
    return { status: 200, body: brand };
  },

  listLabels(_input, ctx) {
    return { status: 200, body: { data: requireTenant(ctx).state.labels } };
  },
};
