// Names shared by the consumer tests (which write pacts/) and the provider verification (which
// reads them): who the parties are, and example values the pacts carry. Ids in provider states
// are examples: the sandbox makes the state true for a fresh tenant and hands the real ids back
// through provider-state injection (`${order_id}`, `${product_id}`, …).
import { fileURLToPath } from 'node:url';

export const CONSUMER = 'reference-partner-connector';
export const HTTP_PROVIDER = 'marketplace-seller-api';
export const WEBHOOK_PROVIDER = 'marketplace-seller-webhooks';
export const PACT_DIR = fileURLToPath(new URL('../../../pacts/', import.meta.url));
export const pactFile = (provider: string) => `${PACT_DIR}${CONSUMER}-${provider}.json`;

export const EXAMPLE = {
  apiKey: 'mk_test_reference_connector_0001',
  revokedKey: 'mk_test_revoked_key_0000',
  clientId: 'cli_reference',
  clientSecret: 'cs_test_reference_secret',
  refreshToken: 'mrt_reference_refresh',
  order: 'ord_xv333snb',
  missingOrder: 'ord_doesnotexist0',
  product: 'prod_gjs25nzr',
  sku: 'pan-409849',
  location: 'loc_berlin',
  job: 'job_4f8d2k6m',
} as const;
