import http from 'node:http';
import { readFileSync } from 'node:fs';
const body = readFileSync('/work/scratch/product.json', 'utf8') + (process.env.PAD ? ' '.repeat(Number(process.env.PAD)) : '');
const many = process.env.MANY === '1';
const base = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
const extra = {
  'content-security-policy': "frame-ancestors 'none'",
  'ratelimit': '"product_reads";r=999999998;t=60',
  'ratelimit-policy': '"product_reads";q=1000000000;w=60, "burst";q=1000000000;w=60, "daily";q=1000000000;w=86400',
  'referrer-policy': 'no-referrer', vary: 'Origin', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY',
  'x-ratelimit-limit': '1000000000', 'x-ratelimit-remaining': '999999998', 'x-ratelimit-reset': '1796409245',
  'x-request-id': '297a45d1-47ef-45a3-9d8d-3cb36285d5a8',
};
const h = many ? { ...base, ...extra } : base;
http.createServer((req, res) => { res.writeHead(200, h); res.end(body); }).listen(0, '127.0.0.1', function () { console.log(`listening on http://127.0.0.1:${this.address().port}`); });
