// Where the sandbox's own files are (its contracts, package.json) and its version. Kept apart from
// the server so that CLI client commands can name them without loading hono, Prism or the store.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SANDBOX_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DEFAULT_SPEC = `${SANDBOX_ROOT}specs/marketplace.openapi.yaml`;
export const ADMIN_SPEC = `${SANDBOX_ROOT}specs/sandbox-admin.openapi.yaml`;
export const GRAPHQL_SCHEMA = `${SANDBOX_ROOT}specs/marketplace.graphql`;
export const VERSION: string = JSON.parse(readFileSync(`${SANDBOX_ROOT}package.json`, 'utf8')).version;
export const DEFAULT_SLA_FILE = `${SANDBOX_ROOT}specs/sla.yaml`;
export const DEFAULT_PROFILE = `${SANDBOX_ROOT}profiles/partner-mix.yaml`;
/** The readiness thresholds and the certification day (`readiness`, `certify`). */
export const GO_LIVE_PROFILE = `${SANDBOX_ROOT}profiles/go-live.yaml`;
export const SCENARIO_DIR = `${SANDBOX_ROOT}scenarios/`;
