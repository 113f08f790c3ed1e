// Routing of the sandbox's hono app: find-my-way, Fastify's radix-tree router, behind hono's
// Router interface. Every route here is one OpenAPI operation with one handler, which is all a
// radix tree has to answer; hono's TrieRouter, which gathers every matching handler for
// middleware, costs about 1.5 µs a request on these routes, find-my-way about 0.1 µs. (Hono's
// RegExpRouter refuses them: /inventory/{sku} beside /inventory/reservations/{id}.)
//
// A route find-my-way cannot take (a method hono registers for all methods, a pattern it reads
// otherwise) makes hono's SmartRouter serve the app with its TrieRouter instead.
import FindMyWay from 'find-my-way';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';
import { UnsupportedPathError, type Params, type Result, type Router } from 'hono/router';

const noop = () => undefined;

export class OperationRouter<T> implements Router<T> {
  name = 'OperationRouter (find-my-way)';
  // Ids and SKUs can be long; find-my-way's default of 100 characters would answer them 404.
  readonly #routes = FindMyWay({ maxParamLength: 8192 });

  add(method: string, path: string, handler: T): void {
    try {
      this.#routes.on(method as FindMyWay.HTTPMethod, path, noop, handler);
    } catch {
      throw new UnsupportedPathError(path);
    }
  }

  match(method: string, path: string): Result<T> {
    const found = this.#routes.find(method as FindMyWay.HTTPMethod, path);
    const params = found && rawParams(found.params);
    return params ? [[[found.store as T, params]]] : [[]];
  }
}

/**
 * find-my-way hands params decoded; hono decodes what a router returns once more (its own
 * routers return them raw), so a decoded `%` is escaped again: `a%2541` stays `a%41`. An empty
 * param (`/products/`) is no match, as with hono's routers: null.
 */
function rawParams(params: Record<string, string | undefined>): Params | null {
  for (const key in params) {
    const value = params[key];
    if (!value) return null;
    if (value.includes('%')) params[key] = value.replaceAll('%', '%25');
  }
  return params as Params;
}

/** The router for `new Hono({ router })`: find-my-way, or hono's TrieRouter where it cannot serve. */
export function operationRouter<T>(): Router<T> {
  return new SmartRouter<T>({ routers: [new OperationRouter<T>(), new TrieRouter<T>()] });
}
