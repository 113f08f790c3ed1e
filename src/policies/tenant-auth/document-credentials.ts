// Where a `--spec` document says its credential goes: its security schemes, read per operation.
// The sandbox's own document sends every credential as `Authorization: Bearer`; another document
// may want an `X-API-Key` header, an `api_key` query parameter, a cookie or HTTP Basic. Whatever
// the place, the value is one of the sandbox's credentials (a tenant's test key or access token).
import type { OpenApiDocument, Operation } from '../../contract/operations.ts';

export type CredentialSource =
  | { kind: 'bearer' } // Authorization: Bearer <credential> (http bearer, oauth2, openIdConnect)
  | { kind: 'basic' } // Authorization: Basic base64(<anything>:<credential>)
  | { kind: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string }; // name as the document spells it

export const BEARER_ONLY: CredentialSource[] = [{ kind: 'bearer' }];

/** No security, or an empty alternative: anyone may call it. */
export const isOpenOperation = (op: Operation): boolean => op.security.length === 0 || op.security.some((alt) => Object.keys(alt).length === 0);

const sameSource = (a: CredentialSource, b: CredentialSource): boolean =>
  a.kind === b.kind && (a.kind !== 'apiKey' || (b.kind === 'apiKey' && a.in === b.in && a.name === b.name));

function addOnce(sources: CredentialSource[], source: CredentialSource): void {
  if (!sources.some((s) => sameSource(s, source))) sources.push(source);
}

interface SecurityScheme {
  type?: string;
  scheme?: string;
  in?: string;
  name?: string;
}

/** The places an operation's security alternatives name, in order, each once. */
export function credentialSources(doc: OpenApiDocument, op: Operation): CredentialSource[] {
  const schemes = ((doc.components as { securitySchemes?: Record<string, SecurityScheme> } | undefined)?.securitySchemes ?? {}) as Record<string, SecurityScheme>;
  const sources: CredentialSource[] = [];
  const add = (source: CredentialSource) => addOnce(sources, source);
  for (const alternative of op.security) {
    for (const name of Object.keys(alternative)) {
      const scheme = schemes[name];
      if (!scheme) continue;
      if (scheme.type === 'apiKey' && (scheme.in === 'header' || scheme.in === 'query' || scheme.in === 'cookie') && scheme.name) {
        add({ kind: 'apiKey', in: scheme.in, name: scheme.name });
      } else if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'basic') add({ kind: 'basic' });
      else add({ kind: 'bearer' });
    }
  }
  return sources.length ? sources : BEARER_ONLY;
}

/** How a person sends a credential to `source`, for messages and the banner. */
export function describeSource(source: CredentialSource, credential = '<key>'): string {
  if (source.kind === 'bearer') return `"Authorization: Bearer ${credential}"`;
  if (source.kind === 'basic') return `HTTP Basic with ${credential} as the password`;
  if (source.in === 'header') return `the header "${source.name}: ${credential}"`;
  return source.in === 'query' ? `the query parameter ${source.name}=${credential}` : `the cookie ${source.name}=${credential}`;
}

/** Every place the document's secured operations take a credential, each once. */
export function documentSources(doc: OpenApiDocument, operations: Operation[]): CredentialSource[] {
  const all: CredentialSource[] = [];
  for (const op of operations) if (!isOpenOperation(op)) for (const s of credentialSources(doc, op)) addOnce(all, s);
  return all;
}
