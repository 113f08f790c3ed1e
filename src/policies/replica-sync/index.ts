// Replicas on one shared store (serve --store postgres://…): before a request is served, the
// replica applies what the others wrote for its tenant; a write first takes the tenant's lock
// across replicas (and catches up under it) and lets go once its batch is durable, so every write
// runs on the state all replicas agree on. Mounted only with a shared store: the embedded store's
// chains do not carry it. How the store does it: src/store/postgres/README.md.
import { tenantOfToken } from '../../domain/oauth.ts';
import { findOAuthClient } from '../../store/oauth-clients.ts';
import { DEFAULT_TENANTS, type SandboxStore } from '../../store/store.ts';
import { isWrite, type Policy, type RequestContext } from '../../server/policy.ts';
import { Problem } from '../../server/problem.ts';
import { requestHeader } from '../../server/request-header.ts';
import { isTokenEndpoint, presentedClientId } from '../oauth-token/index.ts';
import { credentialOf } from '../tenant-auth/index.ts';

const unavailable = (store: SandboxStore, error: Error & { code?: string }) =>
  new Problem(
    503,
    'storage_unavailable',
    `The sandbox could not reach its shared store ${store.file} (${error.code ?? error.message}), so this request was not served: nothing of it is kept. Retry in a few seconds.`,
    {},
    { 'retry-after': '5' },
  );

/**
 * The partner API's: placed before the token endpoint and tenant auth, so they see the caught-up
 * tenant (a key made or revoked on another replica counts here at once).
 */
export function partnerReplicaSync(store: SandboxStore): Policy {
  const locks = new WeakMap<RequestContext, () => void>();
  return {
    name: 'replica-sync',
    async before(c) {
      try {
        const tenant = await partnerTenant(store, c);
        if (!tenant) return;
        if (isWrite(c.get('operation'))) locks.set(c, await store.lockTenant(tenant));
        else await store.catchUp(tenant);
      } catch (error) {
        if (error instanceof Problem) throw error;
        throw unavailable(store, error as Error);
      }
    },
    after: (c) => release(locks, c),
    dropped: (c) => release(locks, c),
  };
}

/**
 * The control API's: placed after admin auth. Every call first catches up on all tenants (it may
 * list them); a write takes the lock of the tenant it names (path, query or body `tenant_id`, else
 * the caller's own or the first default tenant, as the handlers default).
 */
export function controlReplicaSync(store: SandboxStore): Policy {
  const locks = new WeakMap<RequestContext, () => void>();
  return {
    name: 'replica-sync',
    async before(c) {
      try {
        await store.catchUpAll();
        if (isWrite(c.get('operation'))) locks.set(c, await store.lockTenant(await controlTenant(c)));
      } catch (error) {
        throw unavailable(store, error as Error);
      }
    },
    after: (c) => release(locks, c),
    dropped: (c) => release(locks, c),
  };
}

function release(locks: WeakMap<RequestContext, () => void>, c: RequestContext): void {
  locks.get(c)?.();
  locks.delete(c);
}

/** The tenant a partner request acts as, caught up on every tenant first when this replica does not know its credential. */
async function partnerTenant(store: SandboxStore, c: RequestContext): Promise<string | null> {
  const lookup = isTokenEndpoint(c.get('operation')) ? await clientTenant(c) : bearerTenant(c);
  let tenant = lookup(store);
  if (tenant === undefined) {
    await store.catchUpAll();
    tenant = lookup(store);
  }
  // No credential (an open operation, --no-auth, a --spec document's own scheme): requests act as the first tenant.
  return tenant ?? store.listTenants()[0]?.id ?? null;
}

/** The lookup of the bearer credential's tenant: undefined when nobody here knows it, null without a credential. */
function bearerTenant(c: RequestContext): (store: SandboxStore) => string | null | undefined {
  const credential = credentialOf(requestHeader(c, 'authorization'));
  if (!credential) return () => null;
  return (store) => {
    const owner = store.tenantForKey(credential)?.id ?? tenantOfToken(credential);
    return owner && store.tenant(owner) ? owner : undefined;
  };
}

/** The token endpoint's client (HTTP Basic or the form's client_id, read as the token endpoint reads it). */
async function clientTenant(c: RequestContext): Promise<(store: SandboxStore) => string | null | undefined> {
  const id = await presentedClientId(c);
  if (!id) return () => null;
  return (store) => findOAuthClient(store, id)?.tenant.id;
}

/** The tenant a control-API write acts on. */
async function controlTenant(c: RequestContext): Promise<string> {
  const own = c.get('tenant');
  if (own) return own.id;
  const inPath = /^\/__sandbox\/tenants\/([^/]+)/.exec(c.req.path)?.[1];
  if (inPath) {
    try {
      return decodeURIComponent(inPath);
    } catch {
      return inPath; // malformed escapes: no such tenant, which the handler answers
    }
  }
  const inQuery = c.req.query('tenant_id');
  if (inQuery) return inQuery;
  if ((c.req.header('content-type') ?? '').toLowerCase().includes('json')) {
    try {
      const body = JSON.parse(await c.req.text()) as { tenant_id?: unknown } | null;
      if (body && typeof body.tenant_id === 'string') return body.tenant_id;
    } catch {
      // Not JSON: the contract answers it (400); any tenant's lock will do, so the default tenant's is taken.
    }
  }
  return DEFAULT_TENANTS[0].id;
}
