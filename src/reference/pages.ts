// The two HTML pages: `/`, what a person opening the sandbox in a browser needs (test keys, where
// the documents are), and `/docs`, Swagger UI over the partner and the control API with try-it
// pointed at this sandbox and the test credentials already in its Authorize dialog.
//
// Everything the pages load comes from this sandbox: Swagger UI's files from the swagger-ui-dist
// package, the page's own script and style below. Their Content-Security-Policy allows exactly
// that ('self'), so the pages work offline and nothing is fetched from a CDN.
import type { Context } from 'hono';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { DEFAULT_ADMIN_TOKEN } from '../control/admin-token.ts';
import type { OpenApiDocument } from '../contract/operations.ts';
import { SECURE_HEADERS } from '../policies/secure-headers/index.ts';
import { baseUrlOf } from './base-url.ts';
import { SWAGGER_UI_VERSION } from './assets.ts';

/** A default tenant as the pages show it. */
export interface TestKey {
  tenant_id: string;
  name: string;
  api_key: string;
}

export interface PageOptions {
  partner: OpenApiDocument;
  admin: OpenApiDocument;
  /** The file given with `serve --spec`, when the partner slot serves that instead of the marketplace API. */
  specGiven?: string;
  adminToken: string;
  /** Read when a page is built: a state import may have changed the keys. */
  testKeys: () => TestKey[];
}

// Try-it sends requests from the page to this origin only; styles and scripts are the files below.
const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // The one inline <style> Swagger UI writes (its logo's SVG colours); a version with another fails test/reference/docs-page.test.ts.
  "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
const LANDING_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const page = (body: HtmlEscapedString, csp: string): Response =>
  new Response(`<!doctype html>\n${body}`, {
    headers: { ...SECURE_HEADERS, 'content-security-policy': csp, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' },
  });

/** Bearer (http) and apiKey schemes of a document: where try-it puts a key. */
function keySchemes(doc: OpenApiDocument): string[] {
  const schemes = (doc.components?.securitySchemes ?? {}) as Record<string, { type?: unknown; scheme?: unknown } | null>;
  return Object.entries(schemes)
    .filter(([, scheme]) => (scheme?.type === 'http' && String(scheme.scheme).toLowerCase() === 'bearer') || scheme?.type === 'apiKey')
    .map(([name]) => name);
}

export function referencePages(options: PageOptions) {
  const partnerName = options.specGiven ? `${options.partner.info?.title ?? options.specGiven} (serve --spec)` : 'Partner API';
  const adminTokenShown = options.adminToken === DEFAULT_ADMIN_TOKEN ? options.adminToken : undefined;

  const notice = (): HtmlEscapedString | string =>
    options.specGiven
      ? (html`<p class="notice">This sandbox serves <code>${options.specGiven}</code> (given with <code>serve --spec</code>) in place of the marketplace API: the partner API's reference, <a href="/openapi.json">/openapi.json</a>, <a href="/openapi.yaml">/openapi.yaml</a> and <a href="/postman.json">/postman.json</a> are that document, and every operation is mocked from its examples and schemas.</p>` as HtmlEscapedString)
      : '';

  const documentLinks = html`<a href="/openapi.json">openapi.json</a> · <a href="/openapi.yaml">openapi.yaml</a> (partner API) ·
    <a href="/__sandbox/openapi.json">/__sandbox/openapi.json</a> · <a href="/__sandbox/openapi.yaml">openapi.yaml</a> (control API) ·
    <a href="/postman.json">Postman collection</a>`;

  return {
    docs(c: Context): Response {
      const [first] = options.testKeys();
      const config = {
        primary: c.req.query('api') === 'control' ? 'Control API' : partnerName,
        specs: [
          { name: partnerName, url: '/openapi.json', credentials: Object.fromEntries(keySchemes(options.partner).map((s) => [s, first?.api_key ?? ''])) },
          { name: 'Control API', url: '/__sandbox/openapi.json', credentials: adminTokenShown ? Object.fromEntries(keySchemes(options.admin).map((s) => [s, adminTokenShown])) : {} },
        ].map((spec) => ({ ...spec, credentials: Object.fromEntries(Object.entries(spec.credentials).filter(([, v]) => v)) })),
      };
      // JSON in a <script> element: "<" escaped, so no value can close the element.
      const configJson = JSON.stringify(config).replace(/</g, '\\u003c');
      return page(
        html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · marketplace-sandbox</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css?v=${SWAGGER_UI_VERSION}">
<link rel="stylesheet" href="/docs/assets/page.css">
</head>
<body>
<header class="sandbox">
  <p><strong>marketplace-sandbox</strong> · <a href="/">keys and links</a> · ${documentLinks}</p>
  <p>Try it out sends each request to this sandbox${first ? html` with the test key of ${first.name} (<code>${first.api_key}</code>)` : ''}${adminTokenShown ? html`; the control API's with the admin token <code>${adminTokenShown}</code>` : html`; for the control API, enter the token from <code>SANDBOX_ADMIN_TOKEN</code> under Authorize`}.</p>
  ${notice()}
</header>
<div id="swagger-ui"></div>
<script id="docs-config" type="application/json">${raw(configJson)}</script>
<script src="/docs/assets/swagger-ui-bundle.js?v=${SWAGGER_UI_VERSION}"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js?v=${SWAGGER_UI_VERSION}"></script>
<script src="/docs/assets/docs.js"></script>
</body>
</html>` as HtmlEscapedString,
        DOCS_CSP,
      );
    },

    landing(c: Context): Response {
      const base = baseUrlOf(c.req.url, (h) => c.req.header(h));
      const keys = options.testKeys();
      const rows = keys.map((k) => html`<tr><td><code>${k.tenant_id}</code></td><td>${k.name}</td><td><code>${k.api_key}</code></td></tr>`);
      return page(
        html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>marketplace-sandbox</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/page.css">
</head>
<body class="landing">
<h1>marketplace-sandbox</h1>
${notice()}
<p><a href="/docs"><strong>API reference</strong></a> (try it out in the browser) of the <a href="/docs">partner API</a> and the <a href="/docs?api=control">control API</a>.</p>
<p>Documents for your tools, with <code>servers</code> set to <code>${base}</code>: ${documentLinks}.</p>
<h2>Test keys</h2>
<p>Send one as <code>Authorization: Bearer &lt;key&gt;</code>; each tenant sees only its own data.</p>
${keys.length ? html`<table><thead><tr><th>tenant</th><th>name</th><th>API key</th></tr></thead><tbody>${rows}</tbody></table>` : html`<p>The test keys of this sandbox are secrets made at its start (<code>serve --fresh-keys</code>): ask its operator, who has them from what <code>serve</code> printed.</p>`}
<p>The control API under <code>/__sandbox</code> takes the admin token: ${adminTokenShown ? html`<code>${adminTokenShown}</code> (the default; set <code>SANDBOX_ADMIN_TOKEN</code> to change it)` : html`the one set in <code>SANDBOX_ADMIN_TOKEN</code>`}.</p>
${keys[0] ? html`<pre><code>curl -H "Authorization: Bearer ${keys[0].api_key}" ${base}/api/v2/products?limit=2</code></pre>` : ''}
</body>
</html>` as HtmlEscapedString,
        LANDING_CSP,
      );
    },
  };
}

export type ReferencePages = ReturnType<typeof referencePages>;
