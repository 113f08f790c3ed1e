// The sandbox's reference for people and their tools, mounted beside the two contracts:
//   GET /                       a landing page: test keys and links
//   GET /docs                   Swagger UI over the partner and the control API, try-it ready
//   GET /docs/assets/:file      the files that page loads (all from this sandbox)
//   GET /openapi.json|yaml      the partner API's document (or the one given with serve --spec)
//   GET /__sandbox/openapi.json|yaml   the control API's document (no admin token needed)
//   GET /postman.json           a Postman collection of the partner API
//   GET /graphql/schema.graphql  the GraphQL schema; GraphiQL at GET /graphql for a browser (graphiqlPage)
// The documents name the URL serving them in `servers`; everything is built on first request and
// kept. Only this module loads at start: the pages, the documents and the Postman collection are
// imported by the first request that needs them, so a start pays for none of them.
import type { Context, Hono } from 'hono';
import type { OpenApiDocument } from '../contract/operations.ts';
import type { SandboxEnv } from '../server/env.ts';
import type { Policy } from '../server/policy.ts';
import { DEFAULT_TENANTS, type SandboxStore } from '../store/store.ts';
import type { TestKey } from './pages.ts';

export interface ReferenceOptions {
  /** The partner API's document as the sandbox serves it. */
  partner: OpenApiDocument;
  /** The control API's document. */
  admin: OpenApiDocument;
  /** The file given with `serve --spec`, when `partner` is that document. */
  specGiven?: string;
  /** The control API's token: the pages show and pre-fill it only when it is the public default. */
  adminToken: string;
  store: Pick<SandboxStore, 'tenant'>;
  /** False when the default tenants' keys are fresh secrets (serve --fresh-keys): the pages and the collection leave them out. */
  keysShown?: boolean;
  /** Adds the CORS headers of the partner API to an answer (src/policies/cors). */
  cors?: (c: Context<SandboxEnv>, headers: Headers) => void;
}

/** One promise per module and options: the first request imports and builds, the others wait for it. */
function onFirstUse<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      pending = build();
      pending.catch(() => (pending = undefined)); // a failed build is tried again by the next request
    }
    return pending;
  };
}

const graphiql = onFirstUse(() => import('./graphiql.ts'));

/**
 * GraphiQL for a browser's GET /graphql (Accept: text/html, no `query`): a policy first in the
 * operation's chain, so the page opens without credentials and find-my-way keeps one route per path.
 */
export function graphiqlPage(testKey: () => string | undefined): Policy {
  return {
    name: 'graphiql-page',
    appliesTo: (op) => op.operationId === 'queryGraphqlGet',
    before(c) {
      if (c.req.query('query') !== undefined || !(c.req.header('accept') ?? '').includes('text/html')) return;
      return graphiql().then(({ graphiqlPage: render }) => c.html(render(testKey())));
    },
  };
}

/** Mounts the reference; returns whether a path is one of its routes (for CORS preflights). */
export function mountReference(app: Hono<SandboxEnv>, options: ReferenceOptions): (path: string) => boolean {
  // The default tenants' current first keys (a state import may have changed them).
  const testKeys = (): TestKey[] =>
    options.keysShown === false
      ? []
      : DEFAULT_TENANTS.flatMap((t) => {
      const tenant = options.store.tenant(t.id);
      return tenant ? [{ tenant_id: t.id, name: tenant.name, api_key: tenant.api_keys[0] ?? t.api_key }] : [];
    });

  const pages = onFirstUse(async () => (await import('./pages.ts')).referencePages({ ...options, testKeys }));
  const assets = onFirstUse(() => import('./assets.ts'));
  const documents = onFirstUse(async () => {
    const { ServedDocument } = await import('./documents.ts');
    return { partner: new ServedDocument(options.partner), admin: new ServedDocument(options.admin) };
  });
  const postman = onFirstUse(async () => {
    const { ServedCollection } = await import('./served-collection.ts');
    return new ServedCollection(options.partner, { happyPath: !options.specGiven, testKey: () => testKeys()[0]?.api_key ?? '' });
  });

  const routes: RegExp[] = [];
  const get = (path: string, answer: (c: Context<SandboxEnv>) => Promise<Response>) => {
    routes.push(new RegExp(`^${path.replace(/[.]/g, '\\.').replace(/:[a-z]+/g, '[^/]+')}$`));
    app.get(path, async (c) => {
      const res = await answer(c);
      options.cors?.(c, res.headers);
      return res;
    });
  };
  get('/', async (c) => (await pages()).landing(c));
  get('/docs', async (c) => (await pages()).docs(c));
  get('/docs/assets/:file', async (c) => (await assets()).serveAsset(c, c.req.param('file') ?? ''));
  get('/openapi.json', async (c) => (await documents()).partner.json(c));
  get('/openapi.yaml', async (c) => (await documents()).partner.yaml(c));
  get('/__sandbox/openapi.json', async (c) => (await documents()).admin.json(c));
  get('/__sandbox/openapi.yaml', async (c) => (await documents()).admin.yaml(c));
  get('/postman.json', async (c) => (await postman()).answer(c));
  if (!options.specGiven) {
    get('/graphql/schema.graphql', async (c) => (await graphiql()).serveSchema(c));
    get('/graphql/assets/:file', async (c) => (await graphiql()).serveGraphiqlAsset(c, c.req.param('file') ?? ''));
  }
  return (path) => routes.some((route) => route.test(path));
}
