// Where the package's own files are, and its version: read by the CLI before anything else, so
// this module imports nothing heavy. The same in src/ (tsx) and dist/ (the build): both sit one
// folder below the package root.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DEFAULT_SPEC = `${PACKAGE_ROOT}specs/marketplace.openapi.yaml`;
export const ADMIN_SPEC = `${PACKAGE_ROOT}specs/sandbox-admin.openapi.yaml`;
export const DEFAULT_SLA_FILE = `${PACKAGE_ROOT}specs/sla.yaml`;
export const DEFAULT_PROFILE = `${PACKAGE_ROOT}profiles/partner-mix.yaml`;
export const SCENARIO_DIR = `${PACKAGE_ROOT}scenarios/`;

export const VERSION: string = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')).version;
