// `marketplace-sandbox listen` and `trigger` as a partner runs them (the built bin) against a served
// sandbox: trigger makes each event and prints its id from the feed; listen forwards events to a
// local receiver signed so that the standardwebhooks library verifies them with the secret, stops
// after --max-events, replays from a cursor, resumes with Last-Event-ID across a lost connection,
// follows an account reset, and says clearly what is wrong with a bad key or a receiver that is down.
import { execFile, spawn } from 'node:child_process';
import { createConnection, createServer, type Socket } from 'node:net';
import { createHmac } from 'node:crypto';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ADMIN_TOKEN } from '../../src/control/admin-token.ts';
import { newWebhookSecret, secretKey } from '../../src/webhooks/signing.ts';
import { KEY_A } from '../support/sandbox.ts';
import { bin, killStarted, serveProcess, stopProcess, type ServeProcess } from '../support/serve-process.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';

const run = promisify(execFile);
let served: ServeProcess;
let receiver: Receiver;

beforeAll(async () => {
  served = await serveProcess(['--memory', '--log-level', 'silent']);
  receiver = await startReceiver();
}, 40_000);
afterAll(async () => {
  await stopProcess(served.child);
  await receiver.close();
  killStarted();
});

const cli = (...args: string[]) => run(process.execPath, [bin, ...args], { timeout: 30_000 });
const trigger = (event: string) => cli('trigger', event, '--url', served.url, '--key', KEY_A);

/** The cursor at the end of the feed now. */
async function feedEnd(): Promise<string> {
  let cursor = '';
  for (;;) {
    const page = await (await fetch(`${served.url}/api/v2/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: `Bearer ${KEY_A}` } })).json();
    cursor = page.pagination.next_cursor;
    if (!page.pagination.has_more) return cursor;
  }
}

/** Starts `listen …args`; resolves with its output and exit code once it exits. */
function listen(args: string[]) {
  const child = spawn(process.execPath, [bin, 'listen', '--url', served.url, '--key', KEY_A, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<{ code: number | null; out: string }>((resolve) => child.on('exit', (code) => resolve({ code, out })));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  void exited.then(() => clearTimeout(timer));
  return { child, exited, output: () => out };
}

describe('trigger', () => {
  it('--list says how each event is made, and which cannot be and why', async () => {
    const { stdout } = await cli('trigger', '--list');
    expect(stdout).toMatch(/^order\.created\s+the marketplace generates an order/m);
    expect(stdout).toMatch(/^shipment\.delayed\s+/m);
    expect(stdout).toContain('not triggerable:');
    expect(stdout).toMatch(/^payout\.failed\s+declared only/m);
  });

  it('refuses an unknown event with the valid ones, exit 2', async () => {
    const failed = await cli('trigger', 'order.shipd', '--url', served.url, '--key', KEY_A).catch((e) => e);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('"order.shipd" is not an event it can trigger; one of: order.created');
  });

  it('makes each event and prints its id, which is in the feed under that type', async () => {
    for (const event of ['order.created', 'order.confirmed', 'order.shipped', 'order.returned', 'shipment.delayed', 'price.updated', 'inventory.updated']) {
      const { stdout } = await trigger(event);
      const [type, id] = stdout.trim().split('\n')[0]!.split(' ');
      expect(type).toBe(event);
      const feed = await (await fetch(`${served.url}/api/v2/events?limit=100&type=${event}`, { headers: { authorization: `Bearer ${KEY_A}` } })).json();
      const pages = [feed];
      while (pages.at(-1).pagination.has_more) {
        pages.push(await (await fetch(`${served.url}/api/v2/events?limit=100&type=${event}&cursor=${pages.at(-1).pagination.next_cursor}`, { headers: { authorization: `Bearer ${KEY_A}` } })).json());
      }
      expect(pages.flatMap((p) => p.data).map((e: { event_id: string }) => e.event_id), `${event} ${id}`).toContain(id);
    }
  }, 60_000);
});

describe('listen', () => {
  it('forwards a triggered event, signed so that standardwebhooks verifies it, and stops after --max-events', async () => {
    const secret = newWebhookSecret();
    const before = receiver.received.length;
    const listener = listen(['--forward-to', receiver.url, '--events', 'price.*', '--secret', secret, '--max-events', '1']);
    // Triggered once the stream is open (the journal shows the stream request when it opens).
    await expect
      .poll(async () => (await (await fetch(`${served.url}/__sandbox/requests?operation_id=streamEvents`, { headers: { authorization: `Bearer ${DEFAULT_ADMIN_TOKEN}` } })).json()).total, { timeout: 10_000, interval: 50 })
      .toBeGreaterThan(0);
    const { stdout } = await trigger('price.updated');
    const id = stdout.trim().split(' ')[1];
    const { code, out } = await listener.exited;
    expect(code, out).toBe(0);
    expect(out).not.toContain('Signing secret'); // given with --secret
    expect(out).toMatch(new RegExp(`price\\.updated\\s+${id}\\s+→ 200\\s+\\d+ ms`));
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(1);
    const delivery = got[0]!;
    expect(delivery.event.event_id).toBe(id);
    expect(delivery.headers).toMatchObject({ 'x-event-type': 'price.updated', 'x-event-id': id, 'webhook-id': id, 'content-type': 'application/json', 'user-agent': 'marketplace-sandbox-webhooks/1' });
    const verified = new Webhook(secret).verify(delivery.body, delivery.headers as Record<string, string>);
    expect(verified).toEqual(delivery.event);
    expect(delivery.headers['x-signature']).toBe(`sha256=${createHmac('sha256', secretKey(secret)).update(delivery.body).digest('hex')}`);
    expect(() => new Webhook(newWebhookSecret()).verify(delivery.body, delivery.headers as Record<string, string>)).toThrow();
  }, 30_000);

  it('replays from --cursor, in feed order, printing the secret it made', async () => {
    const cursor = await feedEnd();
    const made = [];
    for (const event of ['price.updated', 'shipment.delayed']) made.push((await trigger(event)).stdout.trim().split('\n')[0]!.split(' ')[1]);
    const before = receiver.received.length;
    const { code, out } = await listen(['--forward-to', receiver.url, '--events', 'price.updated,shipment.delayed', '--cursor', cursor, '--max-events', '2']).exited;
    expect(code, out).toBe(0);
    expect(out).toMatch(/^Signing secret whsec_\S+ \(made for this run/m);
    const secret = /Signing secret (whsec_\S+)/.exec(out)![1]!;
    const got = receiver.received.slice(before);
    expect(got.map((r) => r.event.event_id)).toEqual(made);
    for (const r of got) expect(() => new Webhook(secret).verify(r.body, r.headers as Record<string, string>)).not.toThrow();
  }, 30_000);

  it('says a key is refused, exit 2; and a receiver that is down, going on', async () => {
    const refused = await listen(['--forward-to', receiver.url, '--key', 'mk_test_not_a_key']).exited;
    expect(refused.code).toBe(2);
    expect(refused.out).toContain('the sandbox refuses the key (401)');
    const cursor = await feedEnd();
    await trigger('order.created');
    const gone = await startReceiver();
    await gone.close(); // a port nothing listens on now
    const down = await listen(['--forward-to', gone.url, '--events', 'order.created', '--cursor', cursor, '--max-events', '1']).exited;
    expect(down.code, down.out).toBe(0);
    expect(down.out).toMatch(/order\.created\s+evt_\S+\s+→ receiver unreachable \(.*ECONNREFUSED/);
  }, 30_000);

  it('resumes with Last-Event-ID after the connection is cut, and follows the feed over a reset, forwarding each event once', async () => {
    // A TCP proxy in front of the sandbox whose connections the test can cut, and which sees the headers.
    const sockets = new Set<Socket>();
    const requests: string[] = [];
    const target = new URL(served.url);
    const proxy = createServer((client) => {
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      sockets.add(client).add(upstream);
      client.once('data', (chunk: Buffer) => requests.push(chunk.toString('latin1')));
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const streamRequests = () => requests.filter((r) => r.startsWith('GET /api/v2/events/stream'));
    const before = receiver.received.length;
    const listener = listen(['--url', proxyUrl, '--forward-to', receiver.url, '--events', 'price.updated', '--max-events', '3']);
    try {
      await expect.poll(() => streamRequests().length, { timeout: 10_000, interval: 50 }).toBe(1);
      const first = (await trigger('price.updated')).stdout.trim().split('\n')[0]!.split(' ')[1];
      await receiver.waitFor((got) => got.slice(before).some((r) => r.event.event_id === first), 10_000);

      for (const socket of sockets) socket.destroy(); // the connection is lost
      await expect.poll(() => streamRequests().length, { timeout: 10_000, interval: 50 }).toBe(2);
      expect(streamRequests()[1]).toMatch(/^last-event-id: \S+\r$/im);
      const second = (await trigger('price.updated')).stdout.trim().split('\n')[0]!.split(' ')[1];
      await receiver.waitFor((got) => got.slice(before).some((r) => r.event.event_id === second), 10_000);

      // A reset starts the account's feed over: listen is told, and follows the new feed.
      expect((await fetch(`${served.url}/__sandbox/reset`, { method: 'POST', headers: { authorization: `Bearer ${DEFAULT_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ tenant_id: 'ten_nordwind' }) })).status).toBe(200);
      await expect.poll(() => listener.output(), { timeout: 10_000, interval: 50 }).toContain('the account was reset');
      const third = (await trigger('price.updated')).stdout.trim().split('\n')[0]!.split(' ')[1];
      const { code, out } = await listener.exited;
      expect(code, out).toBe(0);
      expect(out).toMatch(/stream (lost|ended).*reconnecting/);
      expect(receiver.received.slice(before).map((r) => r.event.event_id)).toEqual([first, second, third]);
    } finally {
      listener.child.kill();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  }, 40_000);
});
