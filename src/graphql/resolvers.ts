// What each field of the GraphQL schema runs: a REST operation (rest-call.ts), a connection over
// a REST list (connections.ts), or a batched lookup (loaders.ts). Objects are the REST answers
// themselves, so their own fields need no resolver.
import type { GraphQLFieldResolver } from './graphql-js.ts';
import { connection } from './connections.ts';
import { eventsAfter } from './subscriptions.ts';
import type { Loaders } from './loaders.ts';
import { restCall, type ArgumentNames, type Caller, type RestApi } from './rest-call.ts';

export interface RequestState {
  api: RestApi;
  caller: Caller;
  loaders: Loaders;
}

type Args = Record<string, unknown>;
type Resolver = GraphQLFieldResolver<Record<string, unknown>, RequestState, Args>;

/** Arguments that are filters: copied into the REST query as they are. */
const filters = (args: Args, skip: string[] = ['first', 'after']) => Object.fromEntries(Object.entries(args).filter(([k, v]) => !skip.includes(k) && v !== undefined && v !== null));

/** A root field that is one REST call: a 404 reads as null, as GraphQL expects of a missing object. */
const single = (operationId: string, path: (args: Args) => Record<string, string>, names: ArgumentNames): Resolver =>
  async (_, args, { api, caller }) => {
    try {
      return await restCall(api, caller, operationId, { path: path(args) }, names, true);
    } catch (error) {
      if ((error as { extensions?: { status?: number } }).extensions?.status === 404) return null;
      throw error;
    }
  };

const list = (operationId: string, query?: (args: Args) => Args): Resolver =>
  async (_, args, { api, caller }) => ((await restCall(api, caller, operationId, { query: query?.(args) }, {}, true)) as { data: unknown[] }).data;

const paged = (operationId: string): Resolver => (_, args, { api, caller }) => connection(api, caller, operationId, args, { query: filters(args) }, {}, true);

const write = (operationId: string, path: (args: Args) => Record<string, string> = () => ({}), names: ArgumentNames = {}): Resolver =>
  (_, args, { api, caller }) => restCall(api, caller, operationId, { path: path(args), body: args.input }, { body: 'input', ...names }, true);

export const resolvers: Record<string, Record<string, Resolver | ((value: Record<string, unknown>) => string)>> = {
  Query: {
    product: single('getProduct', (a) => ({ product_id: String(a.id) }), { path: { product_id: 'id' } }),
    products: paged('listProducts'),
    inventory_item: single('getInventoryItem', (a) => ({ sku: String(a.sku) }), {}),
    inventory: paged('listInventory'),
    reservation: single('getReservation', (a) => ({ reservation_id: String(a.id) }), { path: { reservation_id: 'id' } }),
    locations: list('listLocations'),
    job: single('getJob', (a) => ({ job_id: String(a.id) }), { path: { job_id: 'id' } }),
    order: single('getOrder', (a) => ({ order_id: String(a.id) }), { path: { order_id: 'id' } }),
    orders: paged('listOrders'),
    unconfirmed_orders: paged('listUnconfirmedOrders'),
    shipment: single('getShipment', (a) => ({ shipment_id: String(a.id) }), { path: { shipment_id: 'id' } }),
    return: single('getReturn', (a) => ({ return_id: String(a.id) }), { path: { return_id: 'id' } }),
    returns: paged('listReturns'),
    category: single('getCategory', (a) => ({ category_id: String(a.id) }), { path: { category_id: 'id' } }),
    categories: list('listCategories'),
    brand: single('getBrand', (a) => ({ brand_id: String(a.id) }), { path: { brand_id: 'id' } }),
    brands: paged('listBrands'),
    labels: list('listLabels'),
    webhook: single('getWebhook', (a) => ({ webhook_id: String(a.id) }), { path: { webhook_id: 'id' } }),
    webhooks: list('listWebhooks'),
    payments: paged('listPayments'),
  },
  Mutation: {
    create_product: write('createProduct'),
    update_product: write('updateProduct', (a) => ({ product_id: String(a.id) }), { path: { product_id: 'id' } }),
    update_price: async (_, args, { api, caller }) => {
      const variant = args.variant_id as string | null | undefined;
      const path: Record<string, string> = variant ? { product_id: String(args.product_id), variant_id: variant } : { product_id: String(args.product_id) };
      try {
        return await restCall(api, caller, variant ? 'updateVariantPrice' : 'updateProductPrice', { path, body: args.input }, { body: 'input' }, true);
      } catch (error) {
        // The confirmation the marketplace asks for is an answer, not a failure: a typed result.
        const extensions = (error as { extensions?: Record<string, unknown> }).extensions;
        if (extensions?.code === 'price_change_requires_confirmation') return { __typename: 'PriceConfirmationRequired', message: (error as Error).message, ...extensions };
        throw error;
      }
    },
    update_availability: write('updateAvailability'),
    update_inventory_item: write('updateInventoryItem', (a) => ({ sku: String(a.sku) })),
    sync_inventory: write('syncInventory'),
    update_order_status: write('updateOrderStatus', (a) => ({ order_id: String(a.id) }), { path: { order_id: 'id' } }),
    cancel_order: write('cancelOrder', (a) => ({ order_id: String(a.id) }), { path: { order_id: 'id' } }),
    create_shipment: write('createShipment', (a) => ({ order_id: String(a.order_id) })),
    create_webhook: write('createWebhook'),
    update_webhook: write('updateWebhook', (a) => ({ webhook_id: String(a.id) }), { path: { webhook_id: 'id' } }),
  },
  Subscription: {
    events: (_, args, { api, caller }) => eventsAfter(api, caller, args as { types?: string[]; after?: string }),
  },
  PriceUpdatePayload: {
    __resolveType: (value: Record<string, unknown>) => (value.__typename === 'PriceConfirmationRequired' ? 'PriceConfirmationRequired' : 'PriceResult'),
  },
  Product: {
    brand: (product, _, { loaders }) => loaders.brand.load(String(product.brand_id)),
    category: (product, _, { loaders }) => loaders.category.load(String(product.category_id)),
    inventory: async (product, _, { loaders }) => {
      const skus = [String(product.sku), ...((product.variants as { sku: string }[] | undefined) ?? []).map((v) => v.sku)];
      return (await loaders.inventory.loadMany(skus)).filter((item) => item !== null && !(item instanceof Error));
    },
    price_history: (product, args, { api, caller }) =>
      connection(api, caller, 'getPriceHistory', args, { path: { product_id: String(product.id) }, query: filters(args) }),
  },
  Variant: {
    inventory: (variant, _, { loaders }) => loaders.inventory.load(String(variant.sku)),
  },
  InventoryItem: {
    product: (item, _, { loaders }) => loaders.product.load(String(item.product_id)),
  },
  OrderItem: {
    product: (item, _, { loaders }) => loaders.product.load(String(item.product_id)),
  },
  Order: {
    shipments: async (order, _, { api, caller }) => ((await restCall(api, caller, 'listOrderShipments', { path: { order_id: String(order.id) } })) as { data: unknown[] }).data,
    returns: async (order, _, { api, caller }) => ((await restCall(api, caller, 'listReturns', { query: { order_id: String(order.id), limit: 100 } })) as { data: unknown[] }).data,
    payment: async (order, _, { api, caller }) => ((await restCall(api, caller, 'listPayments', { query: { order_id: String(order.id), limit: 1 } })) as { data: unknown[] }).data[0] ?? null,
  },
  WebhookSubscription: {
    deliveries: (webhook, args, { api, caller }) => connection(api, caller, 'listWebhookDeliveries', args, { path: { webhook_id: String(webhook.id) } }),
  },
};
