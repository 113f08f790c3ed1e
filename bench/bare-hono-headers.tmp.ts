import { serve } from '@hono/node-server';
import { Hono } from 'hono';
const body = process.env.BENCH_PRODUCT_JSON ?? '{}';
const app = new Hono();
const h = {
  'content-type': 'application/json',
  'content-security-policy': "frame-ancestors 'none'",
  'ratelimit': '"product_reads";r=999999998;t=60',
  'ratelimit-policy': '"product_reads";q=1000000000;w=60, "burst";q=1000000000;w=60, "daily";q=1000000000;w=86400',
  'referrer-policy': 'no-referrer', vary: 'Origin', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY',
  'x-ratelimit-limit': '1000000000', 'x-ratelimit-remaining': '999999998', 'x-ratelimit-reset': '1796409245',
  'x-request-id': '297a45d1-47ef-45a3-9d8d-3cb36285d5a8',
};
app.get('/api/v2/products/:id', (c) => c.body(body, 200, h));
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => console.log(`listening on http://127.0.0.1:${info.port}`));
