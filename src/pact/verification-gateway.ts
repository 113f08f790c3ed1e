// What the Pact verifier talks to during `verify-pact`: one local HTTP endpoint that
// - sets up provider states (POST /_pactSetup, the verifier's state-change protocol): the tenant is
//   put back to its fixture before each interaction, then each state is made true;
// - produces messages (POST /_messages, the verifier's message protocol) from real webhook deliveries;
// - forwards every other request to the sandbox, with the pact's credentials replaced by the fresh
//   tenant's.
// It records what happened per interaction (state errors, stand-in notes) for the report, since the
// verifier itself only says that a state change failed, not why.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rewriteAuthorization, rewriteForm } from './credential-rewrite.ts';
import { isRecord, type PactInteraction } from './pact-file.ts';
import type { StateResolver } from './provider-states.ts';
import type { SandboxSession } from './sandbox-session.ts';
import { produceMessage, type WebhookCapture } from './webhook-messages.ts';

export interface InteractionTrace {
  /** States set up, in order. */
  states: string[];
  errors: string[];
  notes: string[];
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'accept-encoding']);

export class VerificationGateway {
  /** One entry per interaction the verifier ran, in the order it ran them. */
  readonly traces: InteractionTrace[] = [];
  /** Errors of message production, by message description. */
  readonly messageErrors = new Map<string, string>();
  private openSetups = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly port: number,
  ) {}

  static async start(session: SandboxSession, resolver: StateResolver, messages: PactInteraction[], capture: WebhookCapture | null): Promise<VerificationGateway> {
    let gateway: VerificationGateway | null = null;
    const server = createServer((req, res) => {
      readBody(req)
        .then((body) => gateway!.handle(req, res, body, session, resolver, messages, capture))
        .catch((error: Error) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(error.message);
        });
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    gateway = new VerificationGateway(server, `http://127.0.0.1:${port}`, port);
    return gateway;
  }

  private async handle(
    req: IncomingMessage,
    res: ServerResponse,
    body: Buffer,
    session: SandboxSession,
    resolver: StateResolver,
    messages: PactInteraction[],
    capture: WebhookCapture | null,
  ): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/_pactSetup') return this.stateChange(res, stateChangeOf(jsonOf(body)), session, resolver);
    if (req.method === 'POST' && path === '/_messages') {
      const request = jsonOf(body);
      const description = isRecord(request) && typeof request.description === 'string' ? request.description : '';
      return this.message(res, description, session, messages, capture);
    }
    return this.forward(req, res, body, session);
  }

  /** Setup calls come once per state (an empty state for interactions without one), then as many teardowns. */
  private async stateChange(res: ServerResponse, change: StateChange, session: SandboxSession, resolver: StateResolver): Promise<void> {
    if (change.action === 'teardown') {
      this.openSetups = Math.max(0, this.openSetups - 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (this.openSetups === 0) {
      await session.beginInteraction();
      this.traces.push({ states: [], errors: [], notes: session.notes });
    }
    this.openSetups++;
    const trace = this.traces.at(-1)!;
    if (!change.state) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    trace.states.push(change.state);
    try {
      const provided = await resolver.setUp(session, { name: change.state, params: change.params });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(provided));
    } catch (error) {
      // The verifier retries a failed state change: report the reason once.
      const reason = `state "${change.state}": ${(error as Error).message}`;
      if (!trace.errors.includes(reason)) trace.errors.push(reason);
      res.writeHead(500, { 'content-type': 'text/plain' }).end((error as Error).message);
    }
  }

  private async message(res: ServerResponse, description: string, session: SandboxSession, messages: PactInteraction[], capture: WebhookCapture | null): Promise<void> {
    const expected = messages.find((m) => m.description === description);
    try {
      if (!expected || !capture) throw new Error(`the pact has no message "${description}"`);
      const produced = await produceMessage(session, capture, { description, content: expected.message!.content, metadata: expected.message!.metadata });
      res
        .writeHead(200, {
          'content-type': produced.metadata['content-type'] ?? 'application/json',
          'pact-message-metadata': Buffer.from(JSON.stringify(produced.metadata)).toString('base64'),
        })
        .end(JSON.stringify(produced.content));
    } catch (error) {
      this.messageErrors.set(description, (error as Error).message);
      res.writeHead(500, { 'content-type': 'text/plain' }).end((error as Error).message);
    }
  }

  private async forward(req: IncomingMessage, res: ServerResponse, body: Buffer, session: SandboxSession): Promise<void> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const authorization = rewriteAuthorization(headers.authorization, session);
    if (authorization) headers.authorization = authorization;
    let payload: Blob | string | undefined = body.length > 0 ? new Blob([new Uint8Array(body)]) : undefined;
    if (payload && String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) payload = rewriteForm(body.toString('utf8'), session);
    const answer = await fetch(session.url + (req.url ?? '/'), { method: req.method, headers, body: payload, redirect: 'manual' });
    const out: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name) && name !== 'content-encoding') out[name] = value;
    });
    const bytes = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, { ...out, 'content-length': String(bytes.length) }).end(bytes);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    (this.server as { closeAllConnections?: () => void }).closeAllConnections?.();
    await closed;
  }
}

/** The verifier's state-change call: `{state, params, action}` (action "setup" or "teardown"). */
interface StateChange {
  state?: string;
  params: Record<string, unknown>;
  action?: string;
}

function jsonOf(body: Buffer): unknown {
  return JSON.parse(body.toString('utf8') || '{}');
}

function stateChangeOf(body: unknown): StateChange {
  const change = isRecord(body) ? body : {};
  return {
    state: typeof change.state === 'string' ? change.state : undefined,
    params: isRecord(change.params) ? change.params : {},
    action: typeof change.action === 'string' ? change.action : undefined,
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
