// A bare webhook receiver for bench/webhooks.bench.ts, in its own process so that it does not
// compete with the sandbox's delivery queue for the event loop. Answers 204 to every POST and
// notes when each event arrived (performance.timeOrigin + now: comparable across processes);
// GET /stats returns what arrived since the last GET /stats and starts over.
import http from 'node:http';

let arrivals = [];
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    const stats = JSON.stringify({ arrivals });
    arrivals = [];
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(stats);
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    const sent = /"bench_emitted_at":([0-9.]+)/.exec(body);
    arrivals.push([at, sent ? Number(sent[1]) : at]);
    res.writeHead(204);
    res.end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
