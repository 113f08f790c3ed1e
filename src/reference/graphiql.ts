// GraphQL's reference (loaded on first use by ./index.ts): GET /graphql/schema.graphql (the SDL, no
// credentials needed) and GraphiQL, which GET /graphql answers a browser (Accept: text/html, no
// `query`) before authentication, offline: the page loads GraphiQL's and React's UMD builds from
// their npm packages through /graphql/assets/. Its fetcher sends subscriptions as GraphQL over SSE.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Context } from 'hono';
import type { SandboxEnv } from '../server/env.ts';
import { GRAPHQL_SCHEMA } from '../sandbox-files.ts';

const require = createRequire(import.meta.url);
// React's package exports do not list its UMD builds: the files are found beside package.json.
const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.production.min.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.production.min.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.min.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.min.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
};

const DEFAULT_QUERY = `# The partner API through GraphQL: the schema is in the Docs pane (and at /graphql/schema.graphql).
query ProductPage {
  products(first: 5) {
    total_count
    nodes { id title price currency brand { name } inventory { sku available } }
    page_info { has_next_page end_cursor }
  }
}
`;

/** The page: GraphiQL with a fetcher that reads a subscription's event stream as an async iterable. */
function page(headers: string): string {
  const settings = JSON.stringify({ query: DEFAULT_QUERY, headers }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>marketplace-sandbox GraphQL</title>
<link rel="stylesheet" href="/graphql/assets/graphiql.min.css">
<style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/graphql/assets/react.production.min.js"></script>
<script src="/graphql/assets/react-dom.production.min.js"></script>
<script src="/graphql/assets/graphiql.min.js"></script>
<script>
const settings = ${settings};
const plain = GraphiQL.createFetcher({ url: '/graphql' });
async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    text += decoder.decode(value, { stream: true });
    let end;
    while ((end = text.indexOf('\\n\\n')) >= 0) {
      const message = text.slice(0, end);
      text = text.slice(end + 2);
      const event = /^event: (.*)$/m.exec(message)?.[1];
      const data = [...message.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join('\\n');
      if (event === 'complete') return;
      if (event === 'next') yield JSON.parse(data);
    }
  }
}
function fetcher(params, options) {
  if (!/^\\s*subscription\\b/m.test(params.query)) return plain(params, options);
  const headers = { 'content-type': 'application/json', accept: 'text/event-stream', ...(options?.headers ?? {}) };
  return fetch('/graphql', { method: 'POST', headers, body: JSON.stringify(params) }).then((response) =>
    response.headers.get('content-type')?.startsWith('text/event-stream') ? events(response) : response.json());
}
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, { fetcher, defaultQuery: settings.query, defaultHeaders: settings.headers, shouldPersistHeaders: false }),
);
</script>
</body>
</html>
`;
}

/** The GraphiQL page, its headers pre-filled with `key` (or a placeholder). */
export function graphiqlPage(key: string | undefined): string {
  return page(JSON.stringify({ Authorization: `Bearer ${key ?? '<your key>'}` }, null, 2));
}

let sdl: Promise<string> | undefined;
const files = new Map<string, Promise<Buffer>>();

/** GET /graphql/schema.graphql */
export async function serveSchema(c: Context<SandboxEnv>): Promise<Response> {
  sdl ??= readFile(GRAPHQL_SCHEMA, 'utf8');
  return c.body(await sdl, 200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
}

/** GET /graphql/assets/:file */
export async function serveGraphiqlAsset(c: Context<SandboxEnv>, name: string): Promise<Response> {
  const asset = ASSETS[name];
  if (!asset) return c.json({ type: '/problems/not_found', title: 'Not Found', status: 404, detail: `No GraphiQL asset ${name}; the page loads ${Object.keys(ASSETS).join(', ')}.`, code: 'not_found' }, 404, { 'content-type': 'application/problem+json' });
  let file = files.get(name);
  if (!file) files.set(name, (file = readFile(join(dirname(require.resolve(`${asset.pkg}/package.json`)), asset.file))));
  return c.body(new Uint8Array(await file), 200, { 'content-type': `${asset.type}; charset=utf-8`, 'cache-control': 'public, max-age=3600' });
}
