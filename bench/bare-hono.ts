// The yardstick: a bare hono server answering GET /api/v2/products/:id with a fixed product JSON
// (passed in BENCH_PRODUCT_JSON), so the bench compares the sandbox's whole pipeline with nothing.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const body = process.env.BENCH_PRODUCT_JSON ?? '{}';
const app = new Hono();
app.get('/api/v2/products/:id', (c) => c.body(body, 200, { 'content-type': 'application/json' }));
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening on http://127.0.0.1:${info.port}`));
