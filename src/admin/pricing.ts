// Control API for price protection: the per-tenant confirmation threshold, and campaign prices
// (`force_price`) that the marketplace pins on an item, which partners cannot change meanwhile.
import { clockNow } from '../clock/clock.ts';
import { FORCE_TOKEN_TTL_SECONDS, pricingOf, recordPrice, runningCampaign } from '../domain/pricing.ts';
import type { CampaignPrice, Product, Variant } from '../domain/types.ts';
import { tenantNamed } from './tenant-lookup.ts';
import type { HandlerContext, AdminOperationId, Handlers } from '../server/handler.ts';
import { invalid, notFound } from '../server/problem.ts';
import type { Tenant } from '../store/store.ts';
import { own } from '../state/copy-on-write.ts';

const tenantOf = (ctx: HandlerContext, id: string): Tenant => tenantNamed(ctx, id);

/** A product or variant id of the tenant's (non-deleted) catalogue. */
function findItem(tenant: Tenant, itemId: string): { product: Product; variant: Variant | null } {
  for (const candidate of Object.values(tenant.state.products)) {
    if (candidate.deleted_at) continue;
    if (candidate.id !== itemId && !candidate.variants.some((v) => v.id === itemId)) continue;
    const product = own(tenant.state.products, candidate.id)!;
    return { product, variant: product.variants.find((v) => v.id === itemId) ?? null };
  }
  throw notFound('Product or variant', itemId);
}

const protection = (tenant: Tenant) => ({
  tenant_id: tenant.id,
  threshold_percent: pricingOf(tenant.state).threshold_percent,
  force_token_ttl_seconds: FORCE_TOKEN_TTL_SECONDS,
});

export const pricingAdminHandlers: Handlers<AdminOperationId> = {
  getPriceProtection({ path }, ctx) {
    return { status: 200, body: protection(tenantOf(ctx, path.tenant_id)) };
  },

  setPriceProtection({ path, body }, ctx) {
    const tenant = tenantOf(ctx, path.tenant_id);
    pricingOf(tenant.state).threshold_percent = body.threshold_percent;
    return { status: 200, body: protection(tenant) };
  },

  listCampaignPrices({ path }, ctx) {
    const tenant = tenantOf(ctx, path.tenant_id);
    const now = clockNow(tenant.clock);
    const pricing = pricingOf(tenant.state);
    const running = Object.keys(pricing.campaigns).map((id) => runningCampaign(pricing, id, now)).filter((c): c is CampaignPrice => c !== null);
    return { status: 200, body: { data: running } };
  },

  setCampaignPrice({ path, body }, ctx) {
    const tenant = tenantOf(ctx, path.tenant_id);
    const { product, variant } = findItem(tenant, path.item_id);
    const now = clockNow(tenant.clock);
    if (body.ends_at !== undefined && Date.parse(body.ends_at) <= now.getTime()) {
      throw invalid([{ pointer: '/body/ends_at', message: `must be after the tenant's sandbox time (${now.toISOString()})` }]);
    }
    const item = variant ?? product;
    const at = now.toISOString();
    const campaign: CampaignPrice = {
      item_id: item.id,
      product_id: product.id,
      variant_id: variant?.id ?? null,
      campaign: body.campaign ?? 'Marketplace campaign',
      force_price: body.force_price,
      currency: item.currency,
      starts_at: at,
      ends_at: body.ends_at === undefined ? null : new Date(body.ends_at).toISOString(),
    };
    const pricing = pricingOf(tenant.state);
    pricing.campaigns[item.id] = campaign;
    const previous = item.price;
    if (previous !== body.force_price) {
      item.price = body.force_price;
      item.updated_at = at;
      recordPrice(pricing, { item_id: item.id, product_id: product.id, variant_id: campaign.variant_id, price: item.price, currency: item.currency, previous_price: previous, source: 'campaign', changed_at: at });
      ctx.events.emit(
        tenant.id,
        'price.updated',
        { item_id: item.id, product_id: product.id, variant_id: campaign.variant_id, price: item.price, currency: item.currency, previous_price: previous, updated_at: at, source: 'campaign' },
        now,
      );
    }
    return { status: 200, body: campaign };
  },

  endCampaignPrice({ path }, ctx) {
    const tenant = tenantOf(ctx, path.tenant_id);
    const pricing = pricingOf(tenant.state);
    if (!runningCampaign(pricing, path.item_id, clockNow(tenant.clock))) throw notFound('Running campaign price for', path.item_id);
    delete pricing.campaigns[path.item_id];
    return { status: 204 };
  },
};
