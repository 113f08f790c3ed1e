// Prices of products and variants: the only way a price changes, guarded by price protection
// (src/domain/pricing.ts): large changes need a force token, campaign prices are locked, and
// every applied change lands in the item's price history and a price.updated event.
import { paginate } from '../domain/pagination.ts';
import {
  decidePriceChange,
  FORCE_TOKEN_TTL_SECONDS,
  issueForceToken,
  priceHistory,
  pricingOf,
  recordPrice,
  type ForceTokenProblem,
  type PriceRequest,
} from '../domain/pricing.ts';
import type { Currency, ForceToken, Product, Variant } from '../domain/types.ts';
import type { DocumentedAs, HandlerContext, Handlers, MarketplaceOperationId } from '../server/handler.ts';
import { requireTenant } from '../server/handler.ts';
import { invalid, noted, Problem } from '../server/problem.ts';
import { newId } from '../store/ids.ts';
import { emit, findVariant, productToChange, visibleProduct } from './products.ts';

interface PriceBody {
  price: number;
  currency?: Currency;
  force_token?: string;
}

export const priceHandlers: Handlers<MarketplaceOperationId> = {
  updateProductPrice({ path, query, body }, ctx) {
    const product = productToChange(requireTenant(ctx).state, path.product_id);
    return setPrice(ctx, product, null, body, query.force_token);
  },

  updateVariantPrice({ path, query, body }, ctx) {
    const product = productToChange(requireTenant(ctx).state, path.product_id);
    return setPrice(ctx, product, findVariant(product, path.variant_id), body, query.force_token);
  },

  getPriceHistory({ path, query }, ctx) {
    const state = requireTenant(ctx).state;
    const product = visibleProduct(state, path.product_id);
    const itemIds = query.variant_id ? [findVariant(product, query.variant_id).id] : [product.id, ...product.variants.map((v) => v.id)];
    return { status: 200, body: paginate(priceHistory(pricingOf(state), itemIds), query.page, query.limit) };
  },
};

function setPrice(ctx: HandlerContext, product: Product, variant: Variant | null, body: PriceBody, queryToken: string | undefined): DocumentedAs<'updateProductPrice', 200> & DocumentedAs<'updateVariantPrice', 200> {
  const tenant = requireTenant(ctx);
  const pricing = pricingOf(tenant.state);
  const item = variant ?? product;
  if (body.force_token !== undefined && queryToken !== undefined && body.force_token !== queryToken) {
    throw invalid([{ pointer: '/query/force_token', message: 'differs from /body/force_token; send the token once, in the body or the query' }]);
  }
  const now = ctx.now();
  const request: PriceRequest = {
    itemId: item.id,
    currentPrice: item.price,
    price: body.price,
    currency: body.currency ?? item.currency,
    token: body.force_token ?? queryToken,
  };
  const decision = decidePriceChange(pricing, request, now);
  // For the readiness report: a resubmission with the token, not a blind retry, answers a 409.
  const notes = request.token !== undefined ? ['force_token_used'] : [];
  if (product.availability?.status === 'inactive') notes.push('inactive_product');
  const note = (problem: Problem): Problem => {
    for (const n of notes) noted(problem, n);
    return problem;
  };

  if (decision.kind === 'locked') {
    const { campaign } = decision;
    throw note(new Problem(
      409,
      'price_locked',
      `The price of ${item.id} is locked at ${campaign.force_price} ${campaign.currency} by the marketplace campaign "${campaign.campaign}"${
        campaign.ends_at ? ` until ${campaign.ends_at}` : ' until the marketplace ends it'
      }; no price change is accepted meanwhile, with or without a force token.`,
      { item_id: item.id, current_price: item.price, requested_price: body.price, campaign: campaign.campaign, locked_until: campaign.ends_at },
    ));
  }
  if (decision.kind === 'needs_confirmation') {
    const token = issueForceToken(pricing, newId('pct', 16), request, now);
    ctx.store.changed(tenant); // a 409 is not a write for the pipeline, but the token must survive a restart
    throw note(new Problem(
      409,
      'price_change_requires_confirmation',
      `Changing ${item.id} from ${item.price} to ${body.price} ${request.currency} is a ${Number((decision.ratio * 100).toFixed(4))} % change, more than the ${pricing.threshold_percent} % allowed without confirmation. If it is intended, repeat this request with force_token (body member or ?force_token=) before ${token.expires_at}.`,
      {
        item_id: item.id,
        current_price: item.price,
        requested_price: body.price,
        currency: request.currency,
        change_ratio: decision.ratio,
        threshold_percent: pricing.threshold_percent,
        force_token: token.token,
        force_token_expires_at: token.expires_at,
      },
    ));
  }
  if (decision.kind === 'token_rejected') {
    throw note(tokenRejected(decision.problem, decision.token, request, body.force_token !== undefined ? '/body/force_token' : '/query/force_token'));
  }

  if (decision.token) decision.token.used_at = now.toISOString();
  const previous = item.price;
  const unchanged = previous === body.price && item.currency === request.currency;
  const at = now.toISOString();
  if (!unchanged) {
    item.price = body.price;
    item.currency = request.currency;
    item.updated_at = at;
    if (variant) product.updated_at = at;
  }
  const result = {
    item_id: item.id,
    product_id: product.id,
    variant_id: variant?.id ?? null,
    price: item.price,
    currency: item.currency,
    previous_price: previous,
    updated_at: item.updated_at,
  };
  if (unchanged) return { status: 200, body: result, notes: [...notes, 'unchanged_update'] };
  const source = decision.token ? 'force_token' : 'price_endpoint';
  recordPrice(pricing, { item_id: item.id, product_id: product.id, variant_id: result.variant_id, price: item.price, currency: item.currency, previous_price: previous, source, changed_at: at });
  emit(ctx, 'price.updated', { ...result, source });
  return { status: 200, body: result, ...(notes.length ? { notes } : {}) };
}

/** Each way a force token can be wrong has its own code and says what to do instead. */
function tokenRejected(problem: ForceTokenProblem, token: ForceToken | null, request: PriceRequest, where: string): Problem {
  const itemId = request.itemId;
  const pointer = [{ pointer: where, message: 'is not usable for this change' }];
  const again = 'Repeat the change without a token to get a new one.';
  switch (problem) {
    case 'force_token_invalid':
      return new Problem(
        400,
        problem,
        token
          ? `force_token ${request.token} was issued for ${token.item_id}, not ${itemId}. A token confirms one change of one item.`
          : `force_token ${request.token} is not a token the sandbox issued to this tenant. Use the force_token of the 409 price_change_requires_confirmation answer for this change.`,
        { errors: pointer, item_id: itemId },
      );
    case 'force_token_already_used':
      return new Problem(
        400,
        problem,
        `force_token ${request.token} was already used at ${token!.used_at} (to set ${token!.price} ${token!.currency}); tokens are single use. ${again}`,
        { errors: pointer, used_at: token!.used_at },
      );
    case 'force_token_price_mismatch':
      return new Problem(
        400,
        problem,
        `force_token ${request.token} confirms ${token!.price} ${token!.currency}, not ${request.price} ${request.currency}. Send the confirmed price with it, or request the new price without a token to get a token for it.`,
        { errors: pointer, token_price: token!.price, token_currency: token!.currency, requested_price: request.price },
      );
    case 'force_token_expired':
      return new Problem(
        400,
        problem,
        `force_token ${request.token} expired at ${token!.expires_at}: tokens are valid for ${FORCE_TOKEN_TTL_SECONDS / 60} minutes of sandbox time. ${again}`,
        { errors: pointer, expired_at: token!.expires_at },
      );
  }
}
