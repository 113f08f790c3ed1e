// Everything about how a tenant may reach the API, kept on the tenant (and persisted with it):
// the scopes of its API keys, its OAuth clients and tokens, its rate-limit plan, its fault
// rules and its journal settings. Tenants from older state files have none of it until first
// use, when `accessOf` fills in the defaults.
import type { FaultSettings } from './faults.ts';
import { SCOPES, type OAuthState, type Scope } from './oauth.ts';
import type { RateLimitSettings } from './rate-limit.ts';

/** An API key created through the control API. Keys without a grant (fixture keys) carry every scope. */
export interface ApiKeyGrant {
  label: string | null;
  scopes: Scope[];
  created_at: string;
}

export interface JournalSettings {
  /** Requests kept; the oldest are dropped first. */
  capacity: number;
  /** Keep (redacted) request headers and bodies, and response bodies. */
  keep_bodies: boolean;
}

export const DEFAULT_JOURNAL: JournalSettings = { capacity: 1000, keep_bodies: false };

export interface TenantAccess {
  /** Grants of API keys, by key. */
  api_keys: Record<string, ApiKeyGrant>;
  oauth: OAuthState;
  rate_limits?: RateLimitSettings;
  /**
   * When the rate-limit windows were last opened afresh (each time the settings are set) and
   * what today's count started at (`daily_used`): with a shared store every replica opens the
   * same windows from it.
   */
  rate_windows?: { opened: string; day: number; daily_used: number };
  faults?: FaultSettings;
  journal?: JournalSettings;
}

/** The OAuth clients of the default tenants, listed in the README. */
export const DEFAULT_OAUTH_CLIENTS: Record<string, { client_id: string; client_secret: string; name: string }> = {
  ten_nordwind: { client_id: 'cli_nordwind_erp', client_secret: 'cs_test_nordwind_3c7e1a9f5b2d8e46', name: 'Nordwind ERP connector' },
  ten_suedhafen: { client_id: 'cli_suedhafen_erp', client_secret: 'cs_test_suedhafen_8a2f6d4c1e9b7305', name: 'Südhafen shop bridge' },
};

/** Where the default clients' authorization-code grant sends the seller back: an app on a laptop's usual dev port. */
export const DEFAULT_REDIRECT_URIS = ['http://localhost:3000/callback'];

/** The tenant's access record, created with the defaults on first use. */
export function accessOf(tenant: { id: string; created_at: string; access?: TenantAccess }): TenantAccess {
  if (!tenant.access) {
    const client = DEFAULT_OAUTH_CLIENTS[tenant.id];
    tenant.access = {
      api_keys: {},
      oauth: {
        clients: client ? { [client.client_id]: { ...client, scopes: [...SCOPES], redirect_uris: [...DEFAULT_REDIRECT_URIS], created_at: tenant.created_at } } : {},
        access_tokens: {},
        refresh_tokens: {},
      },
    };
  }
  return tenant.access;
}
