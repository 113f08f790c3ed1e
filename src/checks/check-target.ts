// The implementation a check runs against: its base URL and the credentials to call it with.
// Against a marketplace-sandbox, `freshTenant` measures with a tenant of its own (created through
// the control API, rate limits lifted), so a check neither disturbs nor is throttled by anyone.
import type { Operation } from '../contract/operations.ts';
import { startCredentials, parseOauthOption, type CredentialsSpec, type PartnerCredentials } from './partner-credentials.ts';
import { ControlClient, unthrottledLimits } from '../control/client.ts';

export interface TargetOptions {
  baseUrl: string;
  key?: string;
  /** CLIENT_ID:SECRET (or CLIENT_ID with OAUTH_CLIENT_SECRET in the environment). */
  oauth?: string;
  /** Defaults to <base-url>/oauth/token. */
  tokenUrl?: string;
  scope?: string;
  /** Create a tenant through the sandbox control API and use its key. */
  freshTenant?: boolean;
  adminToken?: string;
  /** Name of the fresh tenant, so it can be told apart in the sandbox. */
  tenantName?: string;
}

export interface ConnectedTarget {
  baseUrl: string;
  credentials: PartnerCredentials;
  tenant: string | null;
  warnings: string[];
}

export class TargetError extends Error {}

/** An absolute http(s) URL without trailing slash; anything else is refused before a request is sent. */
export function parseBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TargetError(`${value} is not a URL; give the base URL of the API, e.g. http://127.0.0.1:4300`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetError(`${value}: only http:// and https:// targets are supported.`);
  if (url.search || url.hash) throw new TargetError(`${value}: the base URL must not carry a query or fragment.`);
  return url.toString().replace(/\/$/, '');
}

/** The rate-limit groups the contract declares (x-rate-limit.group), to lift them all. */
export function rateLimitGroups(operations: Operation[]): string[] {
  const groups = operations.map((op) => (op.extensions['x-rate-limit'] as { group?: string } | undefined)?.group).filter((g): g is string => !!g);
  return [...new Set(groups)];
}

export async function connectTarget(options: TargetOptions, operations: Operation[]): Promise<ConnectedTarget> {
  const baseUrl = parseBaseUrl(options.baseUrl);
  const warnings: string[] = [];
  let tenant: string | null = null;
  let spec: CredentialsSpec = { kind: 'none' };
  const given = [options.key, options.oauth, options.freshTenant].filter(Boolean).length;
  if (given > 1) throw new TargetError('Give one of --key, --oauth or --fresh-tenant.');

  if (options.freshTenant) {
    const control = new ControlClient({ url: baseUrl, adminToken: options.adminToken });
    const created = await control.createTenant(options.tenantName ?? `checks ${new Date().toISOString()}`);
    tenant = created.tenant_id;
    spec = { kind: 'key', key: created.api_key };
    const lifted = await control.setRateLimits(tenant, unthrottledLimits(rateLimitGroups(operations)));
    if (!lifted) warnings.push('The sandbox has no rate-limit control endpoint; the fresh tenant runs with whatever limits the sandbox applies.');
  } else if (options.key) {
    spec = { kind: 'key', key: options.key };
  } else if (options.oauth) {
    const { clientId, clientSecret } = parseOauthOption(options.oauth);
    spec = { kind: 'oauth', clientId, clientSecret, tokenUrl: options.tokenUrl ?? `${baseUrl}/oauth/token`, scope: options.scope };
  } else if (process.env.MARKETPLACE_API_KEY) {
    spec = { kind: 'key', key: process.env.MARKETPLACE_API_KEY };
  } else {
    warnings.push('No credentials given (--key, --oauth, --fresh-tenant or MARKETPLACE_API_KEY): secured operations will only answer 401.');
  }
  return { baseUrl, credentials: await startCredentials(spec), tenant, warnings };
}
