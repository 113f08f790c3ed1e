// The console's files: its page and modules (src/console/ui, copied to dist/console/ui by the
// build) and the libraries they import, preact and htm, read from their npm packages. All from
// this sandbox, read once on first request and kept in memory; no CDN, no bundler.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SECURE_HEADERS } from '../policies/secure-headers/index.ts';
import { Problem } from '../server/problem.ts';

const UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));
const packageFile = (specifier: string) => fileURLToPath(import.meta.resolve(specifier));

/** The libraries, under the names the page's import map gives them. */
const LIBRARIES: Record<string, () => string> = {
  'preact.js': () => packageFile('preact'),
  'preact-hooks.js': () => packageFile('preact/hooks'),
  'htm.js': () => packageFile('htm'),
};

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
  svg: 'image/svg+xml',
};

interface Loaded {
  bytes: Uint8Array<ArrayBuffer>;
  type: string;
}

const cache = new Map<string, Promise<Loaded | null>>();

async function load(name: string): Promise<Loaded | null> {
  const type = TYPES[name.split('.').pop() ?? ''];
  if (!type) return null;
  let file: string;
  if (Object.hasOwn(LIBRARIES, name)) file = LIBRARIES[name]!();
  else if (/^[a-z][a-z0-9-]*\.(js|css|svg)$/.test(name) && (await readdir(UI_DIR)).includes(name)) file = `${UI_DIR}${name}`;
  else return null;
  // preact's and htm's ESM builds: point to their source maps nowhere (they are not served).
  const text = (await readFile(file, 'utf8')).replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
  return { bytes: new Uint8Array(Buffer.from(text)), type };
}

function loaded(name: string): Promise<Loaded | null> {
  let pending = cache.get(name);
  if (!pending) {
    cache.set(name, (pending = load(name)));
    pending.catch(() => cache.delete(name));
  }
  return pending;
}

/** GET /console/assets/:file */
export async function serveAsset(name: string): Promise<Response> {
  const asset = await loaded(name);
  if (!asset) throw new Problem(404, 'route_not_found', `There is no console file ${name}; the console's page is /console.`);
  return new Response(asset.bytes, { headers: { ...SECURE_HEADERS, 'content-type': asset.type, 'cache-control': 'no-cache' } });
}

let page: Promise<{ html: string; csp: string }> | undefined;

/**
 * The page, with a CSP that lets it run nothing but this sandbox's scripts and its one inline
 * script, the import map (allowed by its hash).
 */
async function loadPage(): Promise<{ html: string; csp: string }> {
  const html = await readFile(`${UI_DIR}index.html`, 'utf8');
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const hash = createHash('sha256').update(map).digest('base64');
  const csp = `default-src 'none'; script-src 'self' 'sha256-${hash}'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;
  return { html, csp };
}

/** GET /console */
export async function servePage(): Promise<Response> {
  if (!page) {
    page = loadPage();
    page.catch(() => (page = undefined));
  }
  const { html, csp } = await page;
  return new Response(html, { headers: { ...SECURE_HEADERS, 'content-type': TYPES.html!, 'cache-control': 'no-cache', 'content-security-policy': csp } });
}
