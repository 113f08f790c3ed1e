// The Postman collection (v2.1) of a document, converted by openapi-to-postmanv2 (Postman's own
// converter): a folder per tag, the collection variables `baseUrl` and `apiKey`, bearer auth with
// `{{apiKey}}` inherited by every request and, for the marketplace API, the "Happy path" folder
// first (src/reference/happy-path.ts).
//
// Converting takes seconds here (about 2 s to load the converter, 4 s to convert the partner
// API), so `npm run build` does it for the shipped spec (scripts/build-postman-collection.mjs,
// into dist/postman/, named by a hash of the document so an edited spec misses it); any other
// document is converted once, on first use, and kept.
import { readFile } from 'node:fs/promises';
import { documentHash, type OpenApiDocument } from '../contract/operations.ts';
import { SANDBOX_ROOT } from '../sandbox-files.ts';
import { happyPathData, happyPathFolder, type HappyPathWorld, type PostmanVariable } from './happy-path.ts';

export interface PostmanCollection {
  info: { name: string; schema: string; description?: unknown; [more: string]: unknown };
  item: unknown[];
  variable?: PostmanVariable[];
  auth?: unknown;
  [more: string]: unknown;
}

/** Where the base URL and the key come from when nobody says: the serve defaults. */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:4300';

const BUILT_DIR = `${SANDBOX_ROOT}dist/postman/`;

/** dist/postman/<hash of the document>.json: what the build wrote for this document. */
export function builtCollectionFile(doc: OpenApiDocument): string {
  return `${BUILT_DIR}${documentHash(doc)}.json`;
}

/** A built file: the collection and what built it (the build converts again when that changed). */
export interface BuiltCollection {
  generator: string;
  collection: PostmanCollection;
}

// Requests inherit the collection's bearer auth; optional parameters are left unticked, so a
// generated request sends what the operation needs and no made-up filter values.
const CONVERSION = {
  folderStrategy: 'Tags',
  parametersResolution: 'Example',
  enableOptionalParameters: false,
  alwaysInheritAuthentication: true,
} as const;

/**
 * Converts `doc`. `happyPath`: the world whose ids the "Happy path" folder uses (the default
 * data's for the marketplace API); without it there is no such folder.
 */
export async function convertToPostman(doc: OpenApiDocument, happyPath?: HappyPathWorld): Promise<PostmanCollection> {
  const { convertV2 } = await import('openapi-to-postmanv2');
  const converted = await new Promise<PostmanCollection>((resolve, reject) =>
    // The converter may change what it is handed: it gets its own copy.
    convertV2({ type: 'json', data: structuredClone(doc) }, CONVERSION, (error, result) => {
      const collection = result?.output?.[0]?.data as PostmanCollection | undefined;
      if (error || !result?.result || !collection) {
        reject(new Error(`openapi-to-postmanv2 could not convert ${doc.info?.title ?? 'the document'}: ${error?.message ?? result?.reason ?? 'no collection came out'}.`));
      } else resolve(collection);
    }),
  );
  const variables: PostmanVariable[] = [
    { key: 'baseUrl', value: DEFAULT_BASE_URL, type: 'string', description: 'Where the sandbox is.' },
    { key: 'apiKey', value: '', type: 'string', description: 'The test key every request sends as a bearer token.' },
  ];
  const items: unknown[] = [];
  if (happyPath) {
    const { folder, variables: more } = happyPathFolder(happyPathData(happyPath));
    items.push(folder);
    variables.push(...more);
  }
  return {
    ...converted,
    info: { ...converted.info, name: doc.info?.title ?? converted.info.name },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }] },
    variable: variables,
    item: [...items, ...converted.item],
  };
}

/** The collection set to call `baseUrl` with `apiKey`: a copy with those two variables' values. */
export function withBaseUrlAndKey(collection: PostmanCollection, baseUrl: string, apiKey: string): PostmanCollection {
  const values: Record<string, string> = { baseUrl, apiKey };
  return { ...collection, variable: (collection.variable ?? []).map((v) => (v.key in values ? { ...v, value: values[v.key]! } : v)) };
}

/** What the build wrote for `doc`, if it did. */
export async function readBuiltCollection(doc: OpenApiDocument): Promise<PostmanCollection | undefined> {
  const text = await readFile(builtCollectionFile(doc), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as BuiltCollection).collection;
}

/**
 * The collection of `doc`: the build's, else converted now. `happyPath` as for convertToPostman
 * (a function, so the world is generated only when a conversion needs it).
 */
export async function postmanCollection(doc: OpenApiDocument, happyPath?: () => Promise<HappyPathWorld> | HappyPathWorld): Promise<PostmanCollection> {
  return (await readBuiltCollection(doc)) ?? convertToPostman(doc, happyPath && (await happyPath()));
}
