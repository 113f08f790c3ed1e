// The reference partner connector's public surface.
export { MarketplaceApiError, type Problem } from './api-error.ts';
export { ApiKey, OAuthClientCredentials, OAuthTokenError, type Credentials, type OAuthClientOptions } from './credentials.ts';
export { MarketplaceClient, type ClientOptions } from './marketplace-client.ts';
export type * from './marketplace-client.ts';
export { PartnerConnector, AVAILABILITY_BATCH_LIMIT, INVENTORY_SYNC_LIMIT, type ConnectorOptions, type OrderOutcome, type Tracking, type Warehouse } from './partner-connector.ts';
export { DEFAULT_BACKOFF, retryAfterSeconds, sendWithBackoff, type BackoffPolicy } from './rate-limit-backoff.ts';
export { WebhookReceiver, WebhookSignatureError, type MarketplaceEvent, type MarketplaceEventType, type ReceivedWebhook } from './webhook-receiver.ts';
export { startConnectorService, type RunningService, type ServiceOptions } from './connector-service.ts';
export { CATALOGUE_PAGE, ORDERS_TO_CONFIRM, SET_PRICE, graphql, type GraphqlAnswer } from './graphql-queries.ts';
