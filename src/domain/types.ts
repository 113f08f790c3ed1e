// The sandbox's entities, as partners see them on the wire (snake_case, prefixed ids,
// ISO 8601 UTC timestamps, money as decimal numbers with an ISO 4217 currency).
// The OpenAPI document in specs/ describes exactly these shapes.

export type Iso8601 = string;
export type Currency = 'EUR' | 'USD' | 'GBP' | 'PLN' | 'CHF';

export interface CategoryParameter {
  name: string; // snake_case key used in product.parameters
  label: string;
  type: 'string' | 'number' | 'enum';
  values?: string[]; // only for enum
  unit?: string; // only for number
  required: boolean;
  variant_allowed: boolean; // may be one of a product's (max 2) variant parameters
}

/** "When `parameter` equals `equals`, the parameters in `require` become required." */
export interface CategoryCondition {
  description: string;
  when: { parameter: string; equals: string };
  require: string[];
}

export interface Category {
  id: string; // cat_…
  name: string;
  parent_id: string | null;
  path: string[]; // names from the root down to this category
  leaf: boolean; // products attach to leaves only
  parameters: CategoryParameter[];
  conditions: CategoryCondition[];
}

export interface Brand {
  id: string; // brand_…
  name: string;
  country_code: string;
  website: string;
}

export interface Label {
  id: string; // lbl_…
  name: string;
  description: string;
}

export interface Availability {
  status: 'active' | 'inactive'; // inactive hides the item from the storefront
  in_stock: number; // 0..9999; 0 keeps it visible but not buyable
}

export interface Media {
  type: 'image';
  url: string;
  position: number;
}

/** A YouTube video of a listing; everything but the link is derived from the video id. */
export interface Video {
  video_url: string; // the link as the partner sent it
  video_id: string; // 11 characters
  thumbnail_url: string; // https://i.ytimg.com/vi/<id>/hqdefault.jpg (reported, never fetched)
  title: string; // faked from the id
  duration_seconds: number; // faked from the id
}

export interface Variant {
  id: string; // var_…
  product_id: string;
  sku: string;
  ean: string; // 13 digits, valid check digit
  parameters: Record<string, string>; // values of the product's variant parameters
  price: number;
  currency: Currency;
  availability: Availability;
  videos: Video[];
  created_at: Iso8601;
  updated_at: Iso8601;
}

export interface Product {
  id: string; // prod_…
  sku: string; // the partner's own reference
  title: string;
  short_description: string;
  description: string;
  brand_id: string;
  category_id: string;
  ean: string;
  price: number;
  currency: Currency;
  status: 'draft' | 'live';
  availability: Availability;
  parameters: Record<string, string>;
  variant_parameters: string[]; // at most 2, from the category's variant_allowed parameters
  variants: Variant[];
  labels: string[]; // lbl_… ids
  media: Media[];
  videos: Video[];
  created_at: Iso8601;
  updated_at: Iso8601;
  deleted_at: Iso8601 | null;
}

export interface StockAtLocation {
  location_id: string; // loc_…
  quantity: number;
}

export interface InventoryItem {
  sku: string;
  product_id: string;
  variant_id: string | null;
  quantity: number; // sum over locations
  reserved: number;
  available: number; // quantity - reserved, never below 0
  low_stock_threshold: number;
  locations: StockAtLocation[];
  updated_at: Iso8601;
}

export interface Reservation {
  id: string; // res_…
  reservation_id: string; // the same as id: what POST /inventory/reserve promises partners
  sku: string;
  quantity: number;
  order_id: string | null;
  status: 'active' | 'released' | 'consumed' | 'expired';
  created_at: Iso8601;
  expires_at: Iso8601;
}

export type OrderStatus =
  | 'blocked'
  | 'open'
  | 'shipping'
  | 'shipped'
  | 'delivered'
  | 'returned'
  | 'lost'
  | 'cancelled';

export const ORDER_STATUSES: readonly OrderStatus[] = [
  'blocked',
  'open',
  'shipping',
  'shipped',
  'delivered',
  'returned',
  'lost',
  'cancelled',
];

export interface Address {
  name: string;
  street: string;
  postal_code: string;
  city: string;
  country_code: string;
}

export interface OrderItem {
  id: string; // oit_…
  product_id: string;
  variant_id: string | null;
  sku: string;
  title: string;
  quantity: number;
  unit_price: number;
  total_price: number;
}

export interface StatusChange {
  status: OrderStatus;
  at: Iso8601;
}

export interface Order {
  id: string; // ord_…
  order_number: string;
  status: OrderStatus;
  confirmed: boolean;
  payment_method: 'prepaid' | 'cash_on_delivery';
  paid_at: Iso8601 | null;
  fulfilment: 'partner' | 'marketplace'; // `lost` only happens to marketplace-carried orders
  customer: { name: string; email: string };
  shipping_address: Address;
  items: OrderItem[];
  subtotal: number;
  shipping_cost: number;
  total: number;
  currency: Currency;
  carrier: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  delivered_at: Iso8601 | null;
  first_delivery_attempt: Iso8601 | null;
  cancellation_reason: string | null;
  history: StatusChange[];
  created_at: Iso8601;
  updated_at: Iso8601;
}

export interface Shipment {
  id: string; // shp_…
  order_id: string;
  carrier: string;
  tracking_number: string;
  tracking_url: string;
  item_ids: string[];
  created_at: Iso8601;
}

export type ReturnStatus = 'announced' | 'received' | 'accepted' | 'rejected';

export interface Return {
  id: string; // ret_…
  order_id: string;
  item_ids: string[];
  reason: string;
  status: ReturnStatus;
  refund_amount: number;
  currency: Currency;
  created_at: Iso8601;
  updated_at: Iso8601;
}

export interface WebhookSubscription {
  id: string; // wh_…
  url: string;
  events: string[]; // event types, wildcards allowed: order.*
  description: string | null;
  active: boolean;
  secret: string; // whsec_…, shown once at creation
  created_at: Iso8601;
  updated_at: Iso8601;
}

export interface WebhookDelivery {
  id: string; // dlv_…
  subscription_id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: DeliveryAttempt[];
  next_attempt_at: Iso8601 | null;
  created_at: Iso8601;
}

export interface DeliveryAttempt {
  at: Iso8601; // wall-clock time of the HTTP call (receivers check webhook-timestamp against their own clock)
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  /** The wait the sandbox chose after this attempt (retry schedule or Retry-After); null when no retry follows. */
  next_retry_in_ms: number | null;
}

/**
 * What the delivery queue needs beyond the wire shape of a delivery: the exact body to send (the
 * same bytes on every attempt and redelivery), its place in the subscription's queue, and where it
 * stands in the retry schedule. Kept in tenant state, so pending retries survive a restart.
 */
export interface DeliveryOutboxEntry {
  seq: number; // order within the subscription: lower goes first
  body: string;
  round_attempts: number; // attempts since the delivery was (re)queued; indexes the retry schedule
  due_wall_ms: number | null; // when the next attempt may go out; null once finished
}

/** The marketplace's own order moves for one tenant (see src/domain/marketplace-schedule.ts). */
export interface MarketplaceState {
  /** The tenant's order rules when changed through the control API; defaults otherwise. */
  rules: import('./marketplace-schedule.ts').OrderRules;
}

export type JobState = 'queued' | 'running' | 'completed' | 'failed';

export interface JobItemError {
  index: number;
  key: string; // sku or product reference the error is about
  code: string;
  message: string;
  errors?: { pointer: string; message: string }[]; // field errors, pointing into the job's request body
}

/** A line of a bulk job that succeeded, with the id it created. */
export interface JobItemResult {
  index: number;
  key: string;
  id: string;
}

export interface Job {
  id: string; // job_…
  type: 'inventory_sync' | 'products_bulk';
  state: JobState;
  progress: { total: number; processed: number; succeeded: number; failed: number };
  errors: JobItemError[];
  results?: JobItemResult[]; // products_bulk only
  created_at: Iso8601;
  started_at: Iso8601 | null;
  completed_at: Iso8601 | null;
}

export interface Location {
  id: string; // loc_…
  name: string;
  country_code: string;
}

/** A confirmation a partner must echo to apply a large price change: one item, one exact price, once. */
export interface ForceToken {
  token: string; // pct_…
  item_id: string; // prod_… or var_…
  price: number;
  currency: Currency;
  issued_at: Iso8601;
  expires_at: Iso8601;
  used_at: Iso8601 | null;
}

export type PriceChangeSource = 'created' | 'price_endpoint' | 'force_token' | 'campaign';

export interface PriceChangeRecord {
  item_id: string;
  product_id: string;
  variant_id: string | null;
  price: number;
  currency: Currency;
  previous_price: number | null; // null for the price a product or variant was created with
  source: PriceChangeSource;
  changed_at: Iso8601;
}

/** A marketplace campaign pinning an item's price: partner price changes answer 409 price_locked. */
export interface CampaignPrice {
  item_id: string;
  product_id: string;
  variant_id: string | null;
  campaign: string;
  force_price: number;
  currency: Currency;
  starts_at: Iso8601;
  ends_at: Iso8601 | null; // null: until the control API ends it
}

export interface PricingState {
  /** A change of more than this share of the current price needs a force token. */
  threshold_percent: number;
  force_tokens: Record<string, ForceToken>;
  history: Record<string, PriceChangeRecord[]>; // by item id, oldest first
  campaigns: Record<string, CampaignPrice>; // by item id
}

/** Everything one partner account owns. A tenant never sees another tenant's state. */
export interface TenantState {
  categories: Category[];
  brands: Brand[];
  labels: Label[];
  locations: Location[];
  products: Record<string, Product>;
  inventory: Record<string, InventoryItem>;
  reservations: Record<string, Reservation>;
  orders: Record<string, Order>;
  shipments: Record<string, Shipment>;
  returns: Record<string, Return>;
  webhooks: Record<string, WebhookSubscription>;
  deliveries: Record<string, WebhookDelivery>;
  jobs: Record<string, Job>;
  /** Price protection, price history and campaigns; created on first use (fixtures start without). */
  pricing?: PricingState;
  /** Order rules of the marketplace's own moves; created when first changed. */
  marketplace?: MarketplaceState;
  /** Payload and retry state per delivery id (internal; partners see `deliveries`); created on first use. */
  webhook_outbox?: Record<string, DeliveryOutboxEntry>;
  /** The tenant's own webhook retry schedule (set by a scenario); the server's when absent. */
  webhook_policy?: { retry_schedule_seconds: number[] };
}
