// The files the pages load, all from this sandbox: Swagger UI's from the swagger-ui-dist package
// (read once on first request, kept in memory, gzipped once), and the pages' own script and style.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Context } from 'hono';
import swaggerUiPackage from 'swagger-ui-dist/package.json' with { type: 'json' };
import { SECURE_HEADERS } from '../policies/secure-headers/index.ts';
import { Problem } from '../server/problem.ts';

export const SWAGGER_UI_VERSION: string = swaggerUiPackage.version;
const SWAGGER_UI_DIR = dirname(fileURLToPath(import.meta.resolve('swagger-ui-dist/package.json')));

// The docs page's start: Swagger UI over the documents listed in #docs-config, each document's test
// credentials put into its Authorize dialog every time that document loads (switching documents
// in the top bar loads the other one). Plain ES2017 for any browser; no inline script, so the
// page's CSP needs no 'unsafe-inline'.
const DOCS_SCRIPT = `'use strict';
(function () {
  var config = JSON.parse(document.getElementById('docs-config').textContent);
  var absolute = function (url) { return new URL(url, location.href).href; };
  var credentialsFor = function (url) {
    var spec = config.specs.find(function (s) { return absolute(s.url) === absolute(url || ''); });
    return spec ? spec.credentials : {};
  };
  var authorizeTestCredentials = function (system) {
    var schemes = system.specSelectors.specJson().getIn(['components', 'securitySchemes']);
    var credentials = credentialsFor(system.specSelectors.url());
    Object.keys(credentials).forEach(function (name) {
      var schema = schemes && schemes.get(name);
      if (schema) system.authActions.authorize({ [name]: { value: credentials[name], schema: schema.toJS() } });
    });
  };
  var TestCredentials = function () {
    return { statePlugins: { spec: { wrapActions: { updateJsonSpec: function (original, system) {
      return function () {
        var result = original.apply(null, arguments);
        authorizeTestCredentials(system);
        return result;
      };
    } } } } };
  };
  window.ui = SwaggerUIBundle({
    dom_id: '#swagger-ui',
    urls: config.specs.map(function (s) { return { name: s.name, url: s.url }; }),
    'urls.primaryName': config.primary,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl, TestCredentials],
    layout: 'StandaloneLayout',
    deepLinking: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    persistAuthorization: false,
    validatorUrl: null
  });
})();
`;

const PAGE_STYLE = `header.sandbox { font: 14px/1.5 sans-serif; color: #3b4151; max-width: 1460px; margin: 0 auto; padding: 8px 20px 0; box-sizing: border-box; }
header.sandbox p { margin: 4px 0; }
.notice { background: #fff5d6; border: 1px solid #e8c66b; padding: 6px 10px; border-radius: 4px; }
body.landing { font: 16px/1.5 sans-serif; color: #222; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
body.landing table { border-collapse: collapse; }
body.landing th, body.landing td { text-align: left; padding: 4px 12px 4px 0; border-bottom: 1px solid #ddd; }
body.landing pre { background: #f4f4f4; padding: 8px 12px; overflow-x: auto; }
code { font-family: ui-monospace, monospace; }
`;

interface Asset {
  type: string;
  /** A file of swagger-ui-dist, or the text itself. */
  file?: string;
  text?: string;
  cache: string;
}

// Swagger UI's files are named with its version in the pages' links (?v=…): cached for a week.
const VERSIONED = 'public, max-age=604800';
const ASSETS: Record<string, Asset> = {
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js', cache: VERSIONED },
  'swagger-ui-standalone-preset.js': { type: 'text/javascript; charset=utf-8', file: 'swagger-ui-standalone-preset.js', cache: VERSIONED },
  'swagger-ui.css': { type: 'text/css; charset=utf-8', file: 'swagger-ui.css', cache: VERSIONED },
  'favicon-32x32.png': { type: 'image/png', file: 'favicon-32x32.png', cache: VERSIONED },
  'favicon-16x16.png': { type: 'image/png', file: 'favicon-16x16.png', cache: VERSIONED },
  'docs.js': { type: 'text/javascript; charset=utf-8', text: DOCS_SCRIPT, cache: 'no-cache' },
  'page.css': { type: 'text/css; charset=utf-8', text: PAGE_STYLE, cache: 'no-cache' },
};

interface LoadedAsset {
  plain: Uint8Array<ArrayBuffer>;
  gzipped: Uint8Array<ArrayBuffer> | null;
}

const loaded = new Map<string, Promise<LoadedAsset>>();
const gzipped = promisify(gzip);

async function load(asset: Asset): Promise<LoadedAsset> {
  const plain = asset.text !== undefined ? Buffer.from(asset.text) : await readFile(`${SWAGGER_UI_DIR}/${asset.file}`);
  // Images are compressed already; the 1.7 MB bundle becomes about a third.
  const packed = asset.type.startsWith('image/') ? null : await gzipped(plain);
  return { plain: new Uint8Array(plain), gzipped: packed && new Uint8Array(packed) };
}

/** GET /docs/assets/:file */
export async function serveAsset(c: Context, name: string): Promise<Response> {
  const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) {
    throw new Problem(404, 'route_not_found', `There is no file ${name} under /docs/assets/; the docs page loads ${Object.keys(ASSETS).join(', ')}.`, {}, SECURE_HEADERS);
  }
  let pending = loaded.get(name);
  if (!pending) {
    loaded.set(name, (pending = load(asset)));
    pending.catch(() => loaded.delete(name)); // a failed read is tried again by the next request
  }
  const { plain, gzipped: packed } = await pending;
  const useGzip = packed !== null && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
  const headers: Record<string, string> = { ...SECURE_HEADERS, 'content-type': asset.type, 'cache-control': asset.cache, vary: 'accept-encoding' };
  if (useGzip) headers['content-encoding'] = 'gzip';
  return new Response(useGzip ? packed : plain, { headers });
}
