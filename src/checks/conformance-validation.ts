// Does one response keep the contract? Checked as a partner's client would meet it on the wire:
// the status is documented, required headers are there, the content type is documented, the body
// matches the documented schema (with the contract's own compiled validators), and errors are
// RFC 9457 problem details where the contract says so. On top, what the request meant: a 5xx is
// a failure whatever the contract documents, and an invalid request must not be accepted.
import { findResponse, type Operation } from '../contract/operations.ts';
import { isJsonMediaType, toFieldErrors, type OperationValidators } from '../contract/validators.ts';

export type Rule =
  | 'undocumented_status'
  | 'missing_header'
  | 'header_type'
  | 'content_type'
  | 'missing_body'
  | 'invalid_json'
  | 'body_schema'
  | 'problem_details'
  | 'server_error'
  | 'invalid_request_accepted';

export interface ResponseFinding {
  rule: Rule;
  /** Where in the response: /status, /headers/location, /body/data/0/price. */
  pointer: string;
  message: string;
}

export interface WireResponse {
  status: number;
  headers: Headers;
  body: string;
}

const PROBLEM = 'application/problem+json';

const baseType = (contentType: string) => contentType.split(';')[0]!.trim().toLowerCase();

function mediaTypeMatches(documented: string, actual: string): boolean {
  const d = documented.toLowerCase();
  if (d === '*/*' || d === actual) return true;
  return d.endsWith('/*') && actual.startsWith(d.slice(0, -1));
}

export function validateResponse(op: Operation, validators: OperationValidators, res: WireResponse, method = op.method): ResponseFinding[] {
  const findings: ResponseFinding[] = [];
  const documented = findResponse(op, res.status);
  if (!documented) {
    const listed = op.responses.map((r) => r.status).join(', ');
    return [{ rule: 'undocumented_status', pointer: '/status', message: `${res.status} is not a documented status of ${op.operationId} (documented: ${listed})` }];
  }

  for (const [name, header] of Object.entries(documented.headers)) {
    const value = res.headers.get(name);
    if (value === null) {
      if (header.required) findings.push({ rule: 'missing_header', pointer: `/headers/${name}`, message: `the required header ${name} is missing` });
      continue;
    }
    const type = typeof header.schema === 'object' ? (header.schema as { type?: string }).type : undefined;
    if ((type === 'integer' && !/^-?\d+$/.test(value.trim())) || (type === 'number' && !Number.isFinite(Number(value)))) {
      findings.push({ rule: 'header_type', pointer: `/headers/${name}`, message: `"${value}" is not ${type === 'integer' ? 'an integer' : 'a number'}` });
    }
  }

  const documentedTypes = Object.keys(documented.content);
  const contentType = res.headers.get('content-type');
  const hasBody = res.body.length > 0;
  if (!hasBody) {
    if (documentedTypes.length > 0 && res.status !== 204 && res.status !== 304 && method !== 'head') {
      findings.push({ rule: 'missing_body', pointer: '/body', message: `is empty, but ${documentedTypes.join(' or ')} is documented for ${documented.status}` });
    }
    return findings;
  }
  if (documentedTypes.length === 0) {
    findings.push({ rule: 'content_type', pointer: '/body', message: `${documented.status} documents no body, but the response has one` });
    return findings;
  }
  if (!contentType) {
    findings.push({ rule: 'content_type', pointer: '/headers/content-type', message: `is missing; documented: ${documentedTypes.join(', ')}` });
    return findings;
  }
  const actual = baseType(contentType);
  const mediaType = documentedTypes.find((t) => mediaTypeMatches(t, actual));
  if (!mediaType) {
    findings.push({ rule: 'content_type', pointer: '/headers/content-type', message: `${actual} is not documented for ${documented.status} (documented: ${documentedTypes.join(', ')})` });
    return findings;
  }
  if (!isJsonMediaType(actual)) return findings;

  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    findings.push({ rule: 'invalid_json', pointer: '/body', message: `is not valid JSON although the content type is ${actual}` });
    return findings;
  }
  const validate = validators.responses.get(`${documented.status} ${mediaType}`);
  if (validate && !validate(body)) {
    for (const e of toFieldErrors(validate.errors, '/body')) findings.push({ rule: 'body_schema', ...e });
  }
  if (res.status >= 400 && documentedTypes.some((t) => t.toLowerCase() === PROBLEM)) {
    if (actual !== PROBLEM) {
      findings.push({ rule: 'problem_details', pointer: '/headers/content-type', message: `an error must be ${PROBLEM} (RFC 9457), got ${actual}` });
    } else if (body && typeof body === 'object' && 'status' in body && (body as { status: unknown }).status !== res.status) {
      findings.push({ rule: 'problem_details', pointer: '/body/status', message: `says ${(body as { status: unknown }).status}, the response status is ${res.status}` });
    }
  }
  return findings;
}

/** What the request meant, against what came back. */
export function judgeIntent(intent: 'valid' | 'invalid', status: number, brokenAt?: string): ResponseFinding[] {
  if (status >= 500) {
    return [{
      rule: 'server_error',
      pointer: '/status',
      message: intent === 'valid' ? `a ${status} answer to a valid request: the implementation failed` : `a ${status} answer to an invalid request (bad input must be a 4xx naming the problem)`,
    }];
  }
  if (intent === 'invalid' && status < 400) {
    return [{ rule: 'invalid_request_accepted', pointer: '/status', message: `answered ${status} to a request broken at ${brokenAt}; it must be refused with a 4xx` }];
  }
  return [];
}
