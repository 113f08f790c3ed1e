// Pact ↔ spec cross-check: a consumer's pact may pass against the sandbox and still rely on
// something the OpenAPI contract does not promise (an undocumented status, a field the schema
// does not have, a parameter that does not exist). Such an interaction will break the day the
// real marketplace behaves as documented. Each HTTP interaction is checked with the same operation
// index and compiled validators the sandbox serves with (src/contract):
// - the request's method and path are an operation, its parameters and body validate;
// - the response status is documented for that operation, with that content type;
// - the response body (the pact's example) validates against the documented schema. Members the
//   example leaves out are fine (a consumer lists only what it uses); members the schema does not
//   know, or values of the wrong type, are drift.
import type { ErrorObject } from 'ajv';
import { findResponse, listOperations, loadDocument, type Operation } from '../contract/operations.ts';
import { compileValidators, isJsonMediaType, toFieldErrors, type OperationValidators } from '../contract/validators.ts';
import type { PactInteraction } from './pact-file.ts';

export interface DriftFinding {
  /** Where in the interaction: /request/path, /request/query/limit, /response/status, /response/body/items/0/foo … */
  pointer: string;
  message: string;
}

export interface InteractionDrift {
  operationId: string | null;
  findings: DriftFinding[];
}

/** Headers every request carries that are not operation parameters. */
const TRANSPORT_HEADERS = new Set(['authorization', 'content-type', 'content-length', 'accept', 'host', 'user-agent', 'accept-encoding', 'connection']);

export class SpecCrossCheck {
  private constructor(
    private readonly operations: { op: Operation; regex: RegExp; names: string[] }[],
    private readonly validators: Map<string, OperationValidators>,
    readonly specFile: string,
  ) {}

  static async load(specFile: string): Promise<SpecCrossCheck> {
    const doc = await loadDocument(specFile);
    const operations = listOperations(doc);
    const validators = compileValidators(doc, operations);
    const routes = operations.map((op) => {
      const names: string[] = [];
      const pattern = op.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{([^}]+)\\?\}/g, (_, name: string) => {
        names.push(name.replace(/\\/g, ''));
        return '([^/]+)';
      });
      return { op, regex: new RegExp(`^${pattern}$`), names };
    });
    return new SpecCrossCheck(routes, validators, specFile);
  }

  check(interaction: PactInteraction): InteractionDrift {
    if (interaction.kind !== 'http' || !interaction.request || !interaction.response) return { operationId: null, findings: [] };
    const { request, response } = interaction;
    const findings: DriftFinding[] = [];
    const path = request.path.split('?')[0]!;
    const atPath = this.operations.filter((r) => r.regex.test(path));
    if (atPath.length === 0) {
      return { operationId: null, findings: [{ pointer: '/request/path', message: `${path} is not a path of the spec` }] };
    }
    const route = atPath.find((r) => r.op.method.toUpperCase() === request.method);
    if (!route) {
      const methods = atPath.map((r) => r.op.method.toUpperCase()).join(', ');
      return { operationId: null, findings: [{ pointer: '/request/method', message: `${request.method} is not documented for ${path} (documented: ${methods})` }] };
    }
    const { op } = route;
    const v = this.validators.get(op.operationId)!;

    // Parameters: path values from the template, query and header values as the pact sends them.
    const match = route.regex.exec(path)!;
    const parts = {
      path: Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)])),
      query: {} as Record<string, string | string[]>,
      headers: {} as Record<string, string>,
    };
    for (const [name, values] of Object.entries(request.query)) {
      const param = op.parameters.find((p) => p.in === 'query' && p.name === name);
      if (!param) findings.push({ pointer: `/request/query/${name}`, message: `is not a query parameter of ${op.operationId}` });
      else parts.query[name] = param.isArray ? values.flatMap((value) => value.split(',')) : values[0]!;
    }
    for (const [name, values] of Object.entries(request.headers)) {
      const param = op.parameters.find((p) => p.in === 'header' && p.name === name);
      if (param) parts.headers[name] = values[0]!;
      else if (!TRANSPORT_HEADERS.has(name) && !name.startsWith('x-') && !name.startsWith('prefer')) {
        findings.push({ pointer: `/request/headers/${name}`, message: `is not a header parameter of ${op.operationId}` });
      }
    }
    if (v.params && !v.params(parts)) findings.push(...prefixed(toFieldErrors(v.params.errors, ''), '/request'));

    // Request body.
    if (request.body !== undefined) {
      if (!op.body) {
        findings.push({ pointer: '/request/body', message: `${op.operationId} takes no request body` });
      } else {
        const base = (request.contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
        const mediaType = Object.keys(op.body.content).find((t) => t.toLowerCase() === base);
        if (!mediaType) {
          findings.push({ pointer: '/request/headers/content-type', message: `${base} is not accepted by ${op.operationId} (accepted: ${Object.keys(op.body.content).join(', ')})` });
        } else {
          const validate = v.bodies.get(mediaType);
          if (validate && !validate(structuredClone(request.body))) findings.push(...prefixed(toFieldErrors(validate.errors, '/body'), '/request'));
        }
      }
    } else if (op.body?.required) {
      findings.push({ pointer: '/request/body', message: `${op.operationId} requires a request body` });
    }

    // Response status, content type and body.
    const documented = findResponse(op, response.status);
    if (!documented) {
      const statuses = op.responses.map((r) => r.status).join(', ');
      findings.push({ pointer: '/response/status', message: `${response.status} is not a documented status of ${op.operationId} (documented: ${statuses})` });
      return { operationId: op.operationId, findings };
    }
    if (response.body !== undefined) {
      const base = (response.contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
      const mediaType = Object.keys(documented.content).find((t) => t.toLowerCase() === base);
      if (!mediaType) {
        const types = Object.keys(documented.content).join(', ') || 'no body';
        findings.push({ pointer: '/response/headers/content-type', message: `${base} is not documented for ${response.status} of ${op.operationId} (documented: ${types})` });
      } else if (isJsonMediaType(mediaType)) {
        const validate = v.responses.get(`${documented.status} ${mediaType}`);
        if (validate && !validate(response.body)) {
          // Left-out members are the consumer's choice, not drift.
          const errors = (validate.errors ?? []).filter((e: ErrorObject) => e.keyword !== 'required');
          findings.push(...prefixed(toFieldErrors(errors, '/body'), '/response'));
        }
      }
    }
    return { operationId: op.operationId, findings };
  }
}

function prefixed(errors: { pointer: string; message: string }[], prefix: string): DriftFinding[] {
  return errors.map((e) => ({ pointer: prefix + e.pointer, message: e.message }));
}
