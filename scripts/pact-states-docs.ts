// Writes the provider-state table of docs/pact.md (between its `generated:provider-states`
// markers) from the forms verify-pact knows (src/pact/provider-states.ts): every form, its
// aliases, an example, what the sandbox does and what it provides. `npm run docs` runs it;
// test/docs/generated-docs.test.ts fails when the page and the code disagree.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { aliasText, STATE_FORMS } from '../src/pact/provider-states.ts';

export const PACT_PAGE = fileURLToPath(new URL('../docs/pact.md', import.meta.url));
const START = '<!-- generated:provider-states (npm run docs; edit src/pact/provider-states.ts, not this table) -->';
const END = '<!-- /generated:provider-states -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');
const code = (text: string) => `\`${cell(text)}\``;

export function providerStatesTable(): string {
  const rows = STATE_FORMS.map((form) => {
    const aliases = form.aliases.map((a) => code(aliasText(a))).join(', ') || '–';
    return `| ${code(form.form)} | ${aliases} | ${code(form.example)} | ${cell(form.does)} | ${form.provides.map(code).join(', ') || '–'} |`;
  });
  return [START, '', '| form | also accepted | example | what the sandbox does | provides |', '|---|---|---|---|---|', ...rows, '', END].join('\n');
}

/** The page with its table as the code has it. */
export async function pactPage(): Promise<string> {
  const page = await readFile(PACT_PAGE, 'utf8');
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/pact.md has no ${START} … ${END} region for the provider-state table.`);
  return page.slice(0, start) + providerStatesTable() + page.slice(end + END.length);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(PACT_PAGE, await pactPage());
  console.log(`wrote the provider-state table of ${PACT_PAGE}`);
}
