// A scenario's world: the tenant state, the clock and the access settings it starts from. Built
// once per scenario (and seed), deep-frozen, and shared by every tenant reset into it
// (src/state/copy-on-write.ts): a reset copies entity tables, never entities.
import { emptyInventory } from '../domain/catalog.ts';
import type { FaultRule } from '../domain/faults.ts';
import { DEFAULT_ORDER_RULES } from '../domain/marketplace-schedule.ts';
import { pricingOf } from '../domain/pricing.ts';
import type { RateLimitSettings } from '../domain/rate-limit.ts';
import type { CampaignPrice, Product, TenantState } from '../domain/types.ts';
import { FIXTURE_DEFAULTS, generateFixture } from '../fixtures/generate.ts';
import { deepFreeze } from '../state/copy-on-write.ts';
import type { Scenario } from './load.ts';

export interface World {
  scenario: string;
  seed: number;
  /** Deep-frozen: open it with openWorld() to give a tenant its own tables. */
  state: TenantState;
  clock: { start: string; mode?: 'realtime' | 'manual'; factor?: number };
  /** Plan and limits; undefined: the default plan. */
  rate_limits?: RateLimitSettings;
  /** Requests already counted against today's quota when the tenant enters the world. */
  daily_used?: number;
  faults?: { seed?: number; rules: FaultRule[] };
  /** How long building it took (wall ms); a reset that finds it cached does not pay this again. */
  build_ms: number;
}

export function buildWorld(scenario: Scenario, tenantSeed: number): World {
  const started = performance.now();
  const f = scenario.fixture ?? {};
  const seed = f.seed ?? tenantSeed;
  const referenceDate = f.reference_date ?? FIXTURE_DEFAULTS.referenceDate;
  const state = generateFixture({
    seed,
    products: f.catalog_only ? 0 : f.products,
    orders: f.catalog_only ? 0 : f.orders,
    referenceDate,
    orderStatuses: f.catalog_only ? undefined : f.orders_by_status,
  });
  addExplicitProducts(state, scenario, referenceDate);
  applyRules(state, scenario, referenceDate);

  const { daily_used, ...limits } = scenario.rate_limits ?? {};
  return {
    scenario: scenario.name,
    seed,
    state: deepFreeze(state),
    clock: { start: scenario.clock?.start ?? referenceDate, mode: scenario.clock?.mode, factor: scenario.clock?.factor },
    rate_limits: scenario.rate_limits ? ({ plan: 'enterprise', ...limits } as RateLimitSettings) : undefined,
    daily_used,
    faults: scenario.faults as World['faults'],
    build_ms: performance.now() - started,
  };
}

/** Order rules, price protection, campaign locks and the webhook retry schedule live in tenant state. */
function applyRules(state: TenantState, scenario: Scenario, now: string): void {
  if (scenario.orders) state.marketplace = { rules: { ...DEFAULT_ORDER_RULES, ...scenario.orders } };
  if (scenario.webhooks?.retry_schedule_seconds) state.webhook_policy = { retry_schedule_seconds: [...scenario.webhooks.retry_schedule_seconds] };
  const protection = scenario.price_protection;
  const locked = (scenario.entities?.products ?? []).filter((p) => p.force_price !== undefined);
  if (!protection && locked.length === 0) return;
  const pricing = pricingOf(state);
  if (protection?.threshold_percent !== undefined) pricing.threshold_percent = protection.threshold_percent;
  const lock = (product: Product, force_price: number, campaign: string) => {
    const entry: CampaignPrice = {
      item_id: product.id,
      product_id: product.id,
      variant_id: null,
      campaign,
      force_price,
      currency: product.currency,
      starts_at: now,
      ends_at: null,
    };
    pricing.campaigns[product.id] = entry;
    product.price = force_price;
  };
  // The first live, visible fixture products, in id order so that the choice is stable.
  const candidates = Object.values(state.products)
    .filter((p) => p.status === 'live' && p.deleted_at === null && p.variants.length === 0 && !locked.some((l) => l.id === p.id))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  for (const product of candidates.slice(0, protection?.campaign_locks ?? 0)) lock(product, product.price, `Scenario ${scenario.name} campaign`);
  for (const entity of locked) lock(state.products[entity.id]!, entity.force_price!, `Scenario ${scenario.name} campaign`);
}

/** Scenario entities get the ids the scenario names, so tests and pacts can refer to them. */
function addExplicitProducts(state: TenantState, scenario: Scenario, now: string): void {
  const template = Object.values(state.products)[0];
  const leaf = state.categories.find((c) => c.leaf && c.parameters.every((p) => !p.required)) ?? state.categories.find((c) => c.leaf);
  for (const entity of scenario.entities?.products ?? []) {
    const category = template ? state.categories.find((c) => c.id === template.category_id)! : leaf!;
    const product: Product = {
      id: entity.id,
      sku: entity.sku,
      title: entity.title,
      short_description: '',
      description: '',
      brand_id: template?.brand_id ?? state.brands[0]!.id,
      category_id: category.id,
      ean: template?.ean ?? '4006381333931',
      price: entity.price,
      currency: (entity.currency as Product['currency']) ?? 'EUR',
      status: entity.status ?? 'live',
      availability: { status: 'active', in_stock: Math.min(9999, entity.stock ?? 0) },
      parameters: template ? { ...template.parameters } : {},
      variant_parameters: [],
      variants: [],
      labels: [],
      media: [],
      videos: [],
      created_at: now,
      updated_at: now,
      deleted_at: null,
    } as Product;
    state.products[product.id] = product;
    const item = emptyInventory(product.sku, product.id, null, now);
    if (entity.stock) {
      item.locations.push({ location_id: 'loc_berlin', quantity: entity.stock });
      item.quantity = item.available = entity.stock;
    }
    state.inventory[product.sku] = item;
  }
}
