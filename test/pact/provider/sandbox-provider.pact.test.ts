// Provider verification: the Pact Verifier replays every interaction of pacts/ against a real
// sandbox served on 127.0.0.1, in strict mode. Before each interaction the run's fresh tenant is
// put back to its fixture; each provider state is then made true through the control and partner
// APIs (src/pact/provider-states.ts). Messages are the sandbox's real webhook deliveries, produced
// by doing what emits them (src/pact/webhook-messages.ts). Offline, no broker.
import { providerWithMetadata, Verifier, type VerifierOptions } from '@pact-foundation/pact';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewriteAuthorization, rewriteForm } from '../../../src/pact/credential-rewrite.ts';
import { startInProcessSandbox, type RunningSandbox } from '../../../src/pact/in-process-sandbox.ts';
import { loadPacts, type PactDocument } from '../../../src/pact/pact-file.ts';
import { StateResolver } from '../../../src/pact/provider-states.ts';
import { SandboxSession } from '../../../src/pact/sandbox-session.ts';
import { eventTypeOf, produceMessage, WebhookCapture } from '../../../src/pact/webhook-messages.ts';
import { HTTP_PROVIDER, pactFile, WEBHOOK_PROVIDER } from '../support/contract-names.ts';

let running: RunningSandbox;
let session: SandboxSession;
let capture: WebhookCapture;
const resolver = new StateResolver();
const stateErrors: string[] = [];

type StateHandlers = NonNullable<VerifierOptions['stateHandlers']>;
/** The part of the verifier proxy's (express) request a filter touches. */
interface ProxiedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

beforeAll(async () => {
  // The verifier's proxy honours HTTP(S)_PROXY and ignores NO_PROXY: everything here is on 127.0.0.1.
  delete process.env.HTTP_PROXY;
  delete process.env.HTTPS_PROXY;
  delete process.env.http_proxy;
  delete process.env.https_proxy;
  running = await startInProcessSandbox();
  session = await SandboxSession.open({ url: running.url, adminToken: running.adminToken, name: 'provider verification' });
  capture = await WebhookCapture.start();
});

afterAll(async () => {
  await capture?.close();
  await running?.close();
});

/** One handler per provider state named in the pact. pact-js only logs a failing handler, so failures are collected too. */
function stateHandlersFor(doc: PactDocument): StateHandlers {
  const names = new Set(doc.interactions.flatMap((i) => i.states.map((s) => s.name)));
  return Object.fromEntries(
    [...names].map((name) => [
      name,
      async (params: unknown) => {
        try {
          return (await resolver.setUp(session, { name, params: (params ?? {}) as Record<string, unknown> })) as Record<string, any>;
        } catch (error) {
          stateErrors.push(`${name}: ${(error as Error).message}`);
          throw error;
        }
      },
    ]),
  );
}

/**
 * The pact's credentials become the fresh tenant's (src/pact/credential-rewrite.ts). Bodies are put
 * back as the bytes to send: the verifier's proxy parses JSON and form bodies and would otherwise
 * forward a form re-encoded as JSON.
 */
const requestFilter = (req: ProxiedRequest, _res: unknown, next: () => void) => {
  if (req.path === '/_pactSetup' || req.path === '/_messages') return next();
  const authorization = rewriteAuthorization(req.headers.authorization as string | undefined, session);
  if (authorization) req.headers.authorization = authorization;
  const type = String(req.headers['content-type'] ?? '');
  if (req.body && !Buffer.isBuffer(req.body) && typeof req.body === 'object' && Object.keys(req.body).length > 0) {
    const text = type.startsWith('application/x-www-form-urlencoded')
      ? rewriteForm(new URLSearchParams(req.body as Record<string, string>).toString(), session)
      : JSON.stringify(req.body);
    const bytes = Buffer.from(text);
    req.body = bytes;
    req.headers['content-length'] = String(bytes.length);
  }
  next();
};

async function verify(provider: string): Promise<{ results: { description: string; result: string }[]; interactions: number }> {
  const [doc] = await loadPacts(pactFile(provider));
  const messageProviders = Object.fromEntries(
    doc!.interactions
      .filter((i) => i.kind === 'message')
      .map((i) => {
        const expected = { description: i.description, content: i.message!.content, metadata: i.message!.metadata };
        const metadata = { 'content-type': 'application/json', 'x-event-type': eventTypeOf(expected) ?? '' };
        return [i.description, providerWithMetadata(async () => (await produceMessage(session, capture, expected)).content, metadata)];
      }),
  );
  stateErrors.length = 0;
  const output = await new Verifier({
    provider,
    providerBaseUrl: running.url,
    pactUrls: [pactFile(provider)],
    logLevel: 'warn',
    stateHandlers: stateHandlersFor(doc!),
    beforeEach: () => session.beginInteraction(),
    requestFilter,
    messageProviders,
  })
    .verifyProvider()
    .catch((error: Error) => {
      throw new Error(`${error.message}\nstate setup failures:\n${stateErrors.join('\n') || '(none)'}`);
    });
  return { results: JSON.parse(output).interactionResults, interactions: doc!.interactions.length };
}

describe('the sandbox honours the reference connector pacts', () => {
  it(`verifies every HTTP interaction of ${HTTP_PROVIDER}`, async () => {
    const { results, interactions } = await verify(HTTP_PROVIDER);
    expect(stateErrors).toEqual([]);
    expect(results).toHaveLength(interactions);
    expect(results.filter((r) => r.result !== 'OK')).toEqual([]);
  }, 90_000);

  it(`verifies every webhook message of ${WEBHOOK_PROVIDER} against real deliveries`, async () => {
    const { results, interactions } = await verify(WEBHOOK_PROVIDER);
    expect(stateErrors).toEqual([]);
    expect(results).toHaveLength(interactions);
    expect(results.filter((r) => r.result !== 'OK')).toEqual([]);
  }, 60_000);
});
