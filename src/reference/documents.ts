// The OpenAPI documents over HTTP: each as JSON and YAML with `servers` naming the URL that serves
// it, so a tool that imports it (Postman, Insomnia, a code generator, the docs page) calls this
// sandbox. Serialised once per base URL and kept (PerBaseUrl); a request after that only sends bytes.
import type { Context } from 'hono';
import type { OpenApiDocument } from '../contract/operations.ts';
import { SECURE_HEADERS } from '../policies/secure-headers/index.ts';
import { baseUrlOf, PerBaseUrl } from './base-url.ts';
import { yamlLibrary } from '../contract/yaml-text.ts';

/** The document as served from `baseUrl`: the same, with one server, that URL. */
export function servedFrom(doc: OpenApiDocument, baseUrl: string): OpenApiDocument {
  // Spread keeps `servers` where the author put it in the key order.
  return { ...doc, servers: [{ url: baseUrl, description: 'this sandbox (the URL this document was fetched from)' }] };
}

export class ServedDocument {
  readonly #json = new PerBaseUrl<string>();
  readonly #yaml = new PerBaseUrl<string>();

  constructor(readonly doc: OpenApiDocument) {}

  json(c: Context): Promise<Response> {
    const base = baseUrlOf(c.req.url, (h) => c.req.header(h));
    return this.#json
      .get(base, () => JSON.stringify(servedFrom(this.doc, base), null, 2))
      .then((body) => answer(body, 'application/json; charset=utf-8'));
  }

  yaml(c: Context): Promise<Response> {
    const base = baseUrlOf(c.req.url, (h) => c.req.header(h));
    // lineWidth 0: descriptions stay on their lines instead of being folded at 80 columns.
    return this.#yaml
      .get(base, () => yamlLibrary().stringify(servedFrom(this.doc, base), { lineWidth: 0 }))
      .then((body) => answer(body, 'application/yaml; charset=utf-8'));
  }
}

function answer(body: string, type: string): Response {
  // no-cache: a restart with another --spec changes the document behind the same URL.
  return new Response(body, { headers: { ...SECURE_HEADERS, 'content-type': type, 'cache-control': 'no-cache' } });
}
