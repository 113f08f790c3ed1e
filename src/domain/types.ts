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

export interface Variant {
  id: string; // var_…
  product_id: string;
  sku: string;
  ean: string; // 13 digits, valid check digit
  parameters: Record<string, string>; // values of the product's variant parameters
  price: number;
  currency: Currency;
  availability: Availability;
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
  at: Iso8601;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

export type JobState = 'queued' | 'running' | 'completed' | 'failed';

export interface JobItemError {
  index: number;
  key: string; // sku or product reference the error is about
  code: string;
  message: string;
}

export interface Job {
  id: string; // job_…
  type: 'inventory_sync' | 'products_bulk';
  state: JobState;
  progress: { total: number; processed: number; succeeded: number; failed: number };
  errors: JobItemError[];
  created_at: Iso8601;
  started_at: Iso8601 | null;
  completed_at: Iso8601 | null;
}

export interface Location {
  id: string; // loc_…
  name: string;
  country_code: string;
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
}
