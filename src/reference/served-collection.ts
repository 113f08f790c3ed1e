// GET /postman.json: the partner API's Postman collection with `baseUrl` set to the URL serving it
// and `apiKey` to the first default tenant's key, so an import into Postman (or a newman run) calls
// this sandbox as it is. The collection is the build's (or converted once); its JSON is kept per
// base URL and key.
import type { Context } from 'hono';
import type { OpenApiDocument } from '../contract/operations.ts';
import { SECURE_HEADERS } from '../policies/secure-headers/index.ts';
import { baseUrlOf, PerBaseUrl } from './base-url.ts';
import { postmanCollection, withBaseUrlAndKey, type PostmanCollection } from './postman.ts';

export class ServedCollection {
  #collection: Promise<PostmanCollection> | undefined;
  readonly #bodies = new PerBaseUrl<string>();

  constructor(
    private readonly doc: OpenApiDocument,
    private readonly options: { happyPath: boolean; testKey: () => string },
  ) {}

  private collection(): Promise<PostmanCollection> {
    if (!this.#collection) {
      const world = this.options.happyPath ? async () => (await import('../fixtures/generate.ts')).generateFixture() : undefined;
      this.#collection = postmanCollection(this.doc, world);
      this.#collection.catch(() => (this.#collection = undefined)); // tried again by the next request
    }
    return this.#collection;
  }

  async answer(c: Context): Promise<Response> {
    const base = baseUrlOf(c.req.url, (h) => c.req.header(h));
    const key = this.options.testKey();
    const body = await this.#bodies.get(`${base} ${key}`, async () => JSON.stringify(withBaseUrlAndKey(await this.collection(), base, key), null, 2));
    return new Response(body, {
      headers: {
        ...SECURE_HEADERS,
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': 'attachment; filename="marketplace-sandbox.postman_collection.json"',
        'cache-control': 'no-cache',
      },
    });
  }
}
