// The `any` budget of src/: handler types come from the specs (src/contract/generated/) and what
// arrives from outside is `unknown` until narrowed, so at most 5 explicit `any`s remain, each with
// a comment on its line or the line above saying why it must be `any`. They are counted as the
// TypeScript compiler parses them (AnyKeyword nodes), so the word in a comment or a string does not
// count. The generated types are left out: openapi-typescript writes them.
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const BUDGET = 5;
const GENERATED = 'src/contract/generated/';


interface AnyUse {
  /** Path from the project root, with forward slashes. */
  file: string;
  /** 1-based. */
  line: number;
  /** The line as written, trimmed. */
  text: string;
  /** A comment is on the line or ends on the line above. */
  explained: boolean;
}

/** Every explicit `any` of one TypeScript source, with whether a comment explains it. */
function anyUses(file: string, text: string): AnyUse[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (position: number) => source.getLineAndCharacterOfPosition(position).line;

  // Comments as the parser attaches them to tokens, so `//` inside a string, a template or a
  // regular expression is not taken for one. Each comment is [first line, last line].
  const comments = new Map<number, [number, number]>();
  const collect = (ranges: ts.CommentRange[] | undefined) => {
    for (const range of ranges ?? []) {
      const body = text.slice(range.pos, range.end).replace(/^\/\/|^\/\*+|\*+\/$/g, '').replace(/[\s*]/g, '');
      if (body) comments.set(range.pos, [lineOf(range.pos), lineOf(range.end)]);
    }
  };
  const uses: { line: number }[] = [];
  const visit = (node: ts.Node) => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    if (node.kind === ts.SyntaxKind.AnyKeyword) uses.push({ line: lineOf(node.getStart(source)) });
    for (const child of node.getChildren(source)) visit(child);
  };
  visit(source);

  const lines = text.split('\n');
  return uses.map(({ line }) => ({
    file,
    line: line + 1,
    text: lines[line]!.trim(),
    explained: [...comments.values()].some(([first, last]) => (first <= line && line <= last) || last === line - 1),
  }));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .map((name) => `${dir}/${name.split(sep).join('/')}`)
    .filter((file) => file.endsWith('.ts') && !file.startsWith(GENERATED));
}

const where = (uses: AnyUse[]) => uses.map((u) => `\n  ${u.file}:${u.line}  ${u.text}`).join('');

describe('the `any` budget of src/', () => {
  const all = sourceFiles('src').flatMap((file) => anyUses(file, readFileSync(join(root, file), 'utf8')));
  const budgeted = all;

  it('reads the sources: every file under src/ but the generated types', () => {
    const files = sourceFiles('src');
    expect(files).toContain('src/contract/operations.ts');
    expect(files.some((f) => f.startsWith(GENERATED))).toBe(false);
  });

  it(`has at most ${BUDGET} explicit \`any\`s`, () => {
    expect(budgeted.length, `${budgeted.length} explicit \`any\`s in src/ (at most ${BUDGET}); use \`unknown\` and narrow, a type from src/contract/generated/, or a small interface:${where(budgeted)}`).toBeLessThanOrEqual(BUDGET);
  });

  it('explains each `any` in a comment on its line or the line above', () => {
    const unexplained = budgeted.filter((u) => !u.explained);
    expect(unexplained.length, `\`any\` without a comment saying why it must be \`any\`:${where(unexplained)}`).toBe(0);
  });
});

describe('how the guard counts', () => {
  it('counts `any` in type positions only, not the word in comments or strings', () => {
    const uses = anyUses(
      'x.ts',
      [
        '// any of these may be any',
        'const a: any = 1;',
        "const b = 'any' as unknown as any[];",
        'const c = `// ${a} any`; function f<T = any>(x: Record<string, any>): T { return x as T; }',
        '/* any */ const d = /\\/\\/ any/;',
      ].join('\n'),
    );
    expect(uses.map((u) => u.line)).toEqual([2, 3, 4, 4]);
  });

  it('takes a comment on the line or ending on the line above as the reason, nothing further away', () => {
    const uses = anyUses(
      'x.ts',
      [
        'const a: any = 1; // the library types this parameter wrongly',
        '/**',
        ' * A reply some callers read unnarrowed.',
        ' */',
        'type B = any;',
        '// a comment two lines above',
        '',
        'type C = any;',
        'const s = "// not a comment"; type D = any;',
        '//',
        'type E = any;',
      ].join('\n'),
    );
    expect(uses.map((u) => [u.line, u.explained])).toEqual([
      [1, true],
      [5, true],
      [8, false],
      [9, false],
      [11, false],
    ]);
  });
});
