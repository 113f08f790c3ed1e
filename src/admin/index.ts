// Every control-API handler, keyed by operationId of specs/sandbox-admin.openapi.yaml.
import type { HandlerRegistry } from '../server/handler.ts';
import { tenantAdminHandlers } from './tenants.ts';

export const adminHandlers = (version: string): HandlerRegistry => ({
  ...tenantAdminHandlers(version),
});
