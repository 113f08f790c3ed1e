// Price protection. A partner's price change of more than the tenant's threshold (30 % by
// default) against the current price is not applied: the answer carries a force token bound to
// that item and that exact new price, valid once for 15 minutes of sandbox time. Repeating the
// change with the token applies it. An item under a campaign price refuses every change.
// Pure rules over plain data: the handler passes the time, the token id and the state in.
import type { CampaignPrice, Currency, ForceToken, PriceChangeRecord, PricingState, TenantState } from './types.ts';

export const DEFAULT_THRESHOLD_PERCENT = 30;
export const FORCE_TOKEN_TTL_SECONDS = 15 * 60;
/** Per item, the newest entries are kept: a partner repricing hourly keeps three weeks. */
export const HISTORY_LIMIT = 500;
/** Used and expired tokens are remembered this long so a late retry hears why it failed. */
const TOKEN_MEMORY_MS = 24 * 60 * 60 * 1000;

export function emptyPricing(): PricingState {
  return { threshold_percent: DEFAULT_THRESHOLD_PERCENT, force_tokens: {}, history: {}, campaigns: {} };
}

/** The tenant's pricing state; fixtures and older state files start without one. */
export function pricingOf(state: TenantState): PricingState {
  return (state.pricing ??= emptyPricing());
}

/** Prices are compared in cents so that 89.9 → 116.87 is exactly 30 %, not 30.000000001 %. */
const cents = (price: number): number => Math.round(price * 100);

/** |requested − current| / current, as a fraction (0.3 = 30 %), to 6 decimals so 30.0055 % reads as more than 30 %. */
export function changeRatio(current: number, requested: number): number {
  const base = cents(current);
  if (base === 0) return requested === current ? 0 : 1;
  return Math.round((Math.abs(cents(requested) - base) / base) * 1e6) / 1e6;
}

/** "More than the threshold": a change of exactly 30 % passes without a token. */
export function needsConfirmation(current: number, requested: number, thresholdPercent: number): boolean {
  return Math.abs(cents(requested) - cents(current)) * 100 > thresholdPercent * cents(current);
}

export type ForceTokenProblem =
  | 'force_token_invalid' // unknown, or issued for another item
  | 'force_token_already_used'
  | 'force_token_price_mismatch' // issued for another price or currency
  | 'force_token_expired';

export type PriceDecision =
  | { kind: 'apply'; token: ForceToken | null }
  | { kind: 'locked'; campaign: CampaignPrice }
  | { kind: 'needs_confirmation'; ratio: number }
  | { kind: 'token_rejected'; problem: ForceTokenProblem; token: ForceToken | null };

export interface PriceRequest {
  itemId: string;
  currentPrice: number;
  price: number;
  currency: Currency;
  /** The token the partner sent, if any. */
  token?: string;
}

/**
 * What to do with a requested price. A campaign lock wins over everything; a token, when sent,
 * is always checked (a wrong token is a connector bug worth hearing about even for a small change).
 */
export function decidePriceChange(pricing: PricingState, request: PriceRequest, now: Date): PriceDecision {
  const campaign = runningCampaign(pricing, request.itemId, now);
  if (campaign) return { kind: 'locked', campaign };
  if (request.token !== undefined) {
    const token = pricing.force_tokens[request.token] ?? null;
    const problem = tokenProblem(token, request, now);
    return problem ? { kind: 'token_rejected', problem, token } : { kind: 'apply', token };
  }
  if (needsConfirmation(request.currentPrice, request.price, pricing.threshold_percent)) {
    return { kind: 'needs_confirmation', ratio: changeRatio(request.currentPrice, request.price) };
  }
  return { kind: 'apply', token: null };
}

function tokenProblem(token: ForceToken | null, request: PriceRequest, now: Date): ForceTokenProblem | null {
  if (!token || token.item_id !== request.itemId) return 'force_token_invalid';
  if (token.used_at !== null) return 'force_token_already_used';
  if (token.price !== request.price || token.currency !== request.currency) return 'force_token_price_mismatch';
  if (Date.parse(token.expires_at) <= now.getTime()) return 'force_token_expired';
  return null;
}

/**
 * The token for this exact change. Asking again for the same change while its token is still
 * valid returns that token, so a retrying connector does not pile tokens up.
 */
export function issueForceToken(pricing: PricingState, newToken: string, request: PriceRequest, now: Date): ForceToken {
  forgetOldTokens(pricing, now);
  for (const t of Object.values(pricing.force_tokens)) {
    if (t.item_id === request.itemId && t.price === request.price && t.currency === request.currency && t.used_at === null && Date.parse(t.expires_at) > now.getTime()) {
      return t;
    }
  }
  const token: ForceToken = {
    token: newToken,
    item_id: request.itemId,
    price: request.price,
    currency: request.currency,
    issued_at: now.toISOString(),
    expires_at: new Date(now.getTime() + FORCE_TOKEN_TTL_SECONDS * 1000).toISOString(),
    used_at: null,
  };
  pricing.force_tokens[token.token] = token;
  return token;
}

function forgetOldTokens(pricing: PricingState, now: Date): void {
  for (const [id, t] of Object.entries(pricing.force_tokens)) {
    if (Date.parse(t.expires_at) + TOKEN_MEMORY_MS < now.getTime()) delete pricing.force_tokens[id];
  }
}

/** A campaign whose end has passed on the sandbox clock no longer locks anything. */
export function runningCampaign(pricing: PricingState, itemId: string, now: Date): CampaignPrice | null {
  const campaign = pricing.campaigns[itemId];
  if (!campaign) return null;
  return campaign.ends_at !== null && Date.parse(campaign.ends_at) <= now.getTime() ? null : campaign;
}

export function recordPrice(pricing: PricingState, entry: PriceChangeRecord): void {
  const list = (pricing.history[entry.item_id] ??= []);
  list.push(entry);
  if (list.length > HISTORY_LIMIT) list.splice(0, list.length - HISTORY_LIMIT);
}

/** Newest first: the history of a product and, unless narrowed to one, all its variants. */
export function priceHistory(pricing: PricingState, itemIds: string[]): PriceChangeRecord[] {
  // Reversed first so that entries with the same time (a stopped sandbox clock) stay newest first.
  const entries = itemIds.flatMap((id) => pricing.history[id] ?? []).reverse();
  return entries.sort((a, b) => b.changed_at.localeCompare(a.changed_at));
}
