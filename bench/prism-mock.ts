// The peer: Prism's mock of specs/marketplace.openapi.yaml as `prism mock` runs it (every
// operation handed to Prism, request validation and security checks on, static examples), behind
// node:http, so the throughput bench compares the sandbox with what a team would get from Prism.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { createInstance, getHttpOperationsFromSpec } from '@stoplight/prism-http';
import { createLogger } from '@stoplight/prism-core';
import { parse } from 'yaml';

const spec = new URL('../specs/marketplace.openapi.yaml', import.meta.url);
const operations = await getHttpOperationsFromSpec(parse(readFileSync(spec, 'utf8')));
const config = {
  mock: { dynamic: false },
  checkSecurity: true,
  validateRequest: true,
  validateResponse: false,
  errors: false,
  upstreamProxy: undefined,
  isProxy: false,
} as const;
const prism = createInstance(config, { logger: createLogger('prism', { enabled: false }) });

type Method = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', async () => {
    const result = await prism.request(
      {
        method: (req.method ?? 'GET').toLowerCase() as Method,
        url: { path: url.pathname, query: Object.fromEntries(url.searchParams) },
        headers,
        body: body ? JSON.parse(body) : undefined,
      },
      operations,
      config,
    )();
    if (result._tag === 'Left') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(result.left.message));
      return;
    }
    const output = result.right.output;
    const payload = typeof output.body === 'string' ? output.body : JSON.stringify(output.body);
    res.writeHead(output.statusCode, { 'content-type': 'application/json', ...(output.headers ?? {}) }).end(payload);
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
