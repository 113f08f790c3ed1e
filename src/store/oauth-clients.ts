// Which tenant an OAuth client id belongs to. Only the token endpoint and the control API ask,
// so a scan over the tenants is enough (no index to keep in step with resets and reloads).
import { accessOf } from '../domain/access.ts';
import { entryOf, type OAuthClient } from '../domain/oauth.ts';
import type { SandboxStore, Tenant } from './store.ts';

export function findOAuthClient(store: SandboxStore, clientId: string): { tenant: Tenant; client: OAuthClient } | undefined {
  for (const tenant of store.listTenants()) {
    const client = entryOf(accessOf(tenant).oauth.clients, clientId);
    if (client) return { tenant, client };
  }
  return undefined;
}
