// `marketplace-sandbox export postman [--out FILE] [--base-url URL] [--spec FILE]`: the partner
// API's Postman collection as GET /postman.json serves it, without a running sandbox. The build's
// collection for the shipped spec (dist/postman/), else converted now (a few seconds).
import { writeFile } from 'node:fs/promises';
import { loadDocument } from '../contract/operations.ts';
import { DEFAULT_SPEC } from '../sandbox-files.ts';
import { DEFAULT_TENANTS } from '../store/store.ts';
import { DEFAULT_BASE_URL, postmanCollection, withBaseUrlAndKey } from './postman.ts';

export interface ExportPostmanOptions {
  out?: string;
  baseUrl?: string;
  spec?: string;
  key?: string;
}

export async function exportPostman(options: ExportPostmanOptions): Promise<void> {
  const baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/?#\s]+$/.test(baseUrl)) {
    throw new Error(`--base-url ${baseUrl} is not an http(s) origin; give one like ${DEFAULT_BASE_URL} (the paths start with /api/v2).`);
  }
  const doc = await loadDocument(options.spec ?? DEFAULT_SPEC);
  // The happy path is written for the marketplace API's default data: not for another document.
  const world = options.spec ? undefined : async () => (await import('../fixtures/generate.ts')).generateFixture();
  const collection = withBaseUrlAndKey(await postmanCollection(doc, world), baseUrl, options.key ?? DEFAULT_TENANTS[0].api_key);
  const text = `${JSON.stringify(collection, null, 2)}\n`;
  if (!options.out) {
    process.stdout.write(text);
    return;
  }
  await writeFile(options.out, text);
  const folders = collection.item.map((folder) => (folder as { name: string }).name);
  console.error(`marketplace-sandbox: wrote ${options.out}: ${folders.length} folders (${folders.join(', ')}), baseUrl ${baseUrl}.`);
}
