// Where a webhook subscription may point. The sandbox makes outgoing requests to URLs partners
// give it, so it must not become a way to reach a cloud host's metadata service (SSRF):
// link-local and metadata addresses are refused unless an allow-list names them.
// Loopback and private networks stay allowed: partners run their receivers locally or in Docker.
//
// The URL is read the WHATWG way (`new URL`), which already normalises the IPv4 spellings an
// attacker might try (2852039166, 0xa9fea9fe, 0251.0376.0251.0376 all become 169.254.169.254).
// IPv6 forms that carry an IPv4 address (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d) are
// judged by that IPv4 address. Host names are not resolved here (no I/O in the domain): a name
// passes `checkWebhookTarget`, and delivery (src/webhooks/http-sender.ts) asks
// `checkResolvedAddress` about every address the name resolves to, as it connects.

/** Refused IPv4 ranges: [network, prefix length, what it is]. */
const REFUSED_V4: [string, number, string][] = [
  ['169.254.0.0', 16, 'a link-local address (169.254.0.0/16, where cloud metadata services live)'],
  ['100.100.100.200', 32, 'a cloud metadata address (100.100.100.200)'],
];

/** Refused IPv6 ranges. */
const REFUSED_V6: [string, number, string][] = [
  ['fe80::', 10, 'a link-local IPv6 address (fe80::/10)'],
  ['fd00:ec2::254', 128, 'a cloud metadata address (fd00:ec2::254)'],
];

const REFUSED_NAMES = new Set(['metadata.google.internal', 'metadata.goog']);

export type TargetVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Judges a webhook URL. `allow` lists host names, addresses or CIDR ranges that are allowed
 * even though they would be refused (e.g. "169.254.10.0/24" for a test network).
 */
export function checkWebhookTarget(url: string, allow: readonly string[] = []): TargetVerdict {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { allowed: false, reason: 'is not an absolute URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { allowed: false, reason: `uses ${parsed.protocol.replace(/:$/, '')}; webhooks are delivered over http or https` };
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  const address = parseAddress(host);
  if (allow.some((entry) => allowListed(entry, host, address))) return { allowed: true };

  if (REFUSED_NAMES.has(host)) return { allowed: false, reason: `points at a cloud metadata host (${host})` };
  return judgeAddress(address);
}

/**
 * Judges an address a webhook host name resolved to, at delivery: refused in the same ranges as
 * an IP literal, unless the allow-list names the host name or the address.
 */
export function checkResolvedAddress(hostName: string, resolved: string, allow: readonly string[] = []): TargetVerdict {
  const host = hostName.replace(/\.$/, '').toLowerCase();
  const address = parseAddress(resolved.toLowerCase());
  if (allow.some((entry) => allowListed(entry, host, null) || allowListed(entry, resolved.toLowerCase(), address))) return { allowed: true };
  const verdict = judgeAddress(address);
  return verdict.allowed ? verdict : { allowed: false, reason: `resolves to ${resolved}, ${verdict.reason.replace(/^points at /, '')}` };
}

function judgeAddress(address: number[] | null): TargetVerdict {
  if (address) {
    const v4 = address.length === 4 ? address : embeddedV4(address);
    if (v4) {
      for (const [network, bits, what] of REFUSED_V4) if (inRange(v4, parseV4(network)!, bits)) return { allowed: false, reason: `points at ${what}` };
    }
    if (address.length === 16) {
      for (const [network, bits, what] of REFUSED_V6) if (inRange(address, parseV6(network)!, bits)) return { allowed: false, reason: `points at ${what}` };
    }
  }
  return { allowed: true };
}

/** Parses an allow-list as given in an environment variable: comma or space separated. */
export function parseAllowList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}

function allowListed(entry: string, host: string, address: number[] | null): boolean {
  const [base, bits] = entry.toLowerCase().replace(/^\[|\]$/g, '').split('/') as [string, string | undefined];
  if (bits === undefined && base === host) return true;
  const network = parseAddress(base);
  if (!network || !address) return false;
  const candidate = network.length === address.length ? address : network.length === 4 ? embeddedV4(address) : null;
  if (!candidate) return false;
  return inRange(candidate, network, bits === undefined ? network.length * 8 : Number(bits));
}

/** Bytes of an IP literal (4 or 16), or null for a host name. */
function parseAddress(host: string): number[] | null {
  return parseV4(host) ?? (host.includes(':') ? parseV6(host) : null);
}

function parseV4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

function parseV6(text: string): number[] | null {
  // A trailing dotted IPv4 part (::ffff:169.254.169.254) becomes its two hex groups first.
  const lastColon = text.lastIndexOf(':');
  const dotted = text.slice(lastColon + 1);
  if (dotted.includes('.')) {
    const v4 = parseV4(dotted);
    if (!v4) return null;
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (![...left, ...right].every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  const known = left.length + right.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return null;
  const words = [...left, ...Array<string>(8 - known).fill('0'), ...right].map((g) => parseInt(g, 16));
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** The IPv4 address inside an IPv4-mapped, IPv4-compatible or NAT64 IPv6 address. */
function embeddedV4(bytes: number[]): number[] | null {
  if (bytes.length !== 16) return null;
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  const last4 = bytes.slice(12);
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) return last4; // ::ffff:a.b.c.d
  if (zeros(0, 12) && !zeros(12, 15)) return last4; // ::a.b.c.d (deprecated), but not :: or ::1
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zeros(4, 12)) return last4; // 64:ff9b::/96
  return null;
}

function inRange(address: number[], network: number[], bits: number): boolean {
  if (address.length !== network.length || !Number.isInteger(bits) || bits < 0 || bits > address.length * 8) return false;
  for (let i = 0; i < address.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address[i]! & mask) !== (network[i]! & mask)) return false;
  }
  return true;
}
