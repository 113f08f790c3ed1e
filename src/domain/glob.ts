// Globs as QA writes them in fault rules and journal patterns: `*` is any run of characters
// (slashes included), `?` one character, everything else literal. Compiled once, matched per request.

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** One regular expression matching any of the globs; null for "no globs" (which matches everything). */
export function anyGlob(globs: readonly string[] | undefined): RegExp | null {
  if (!globs || globs.length === 0) return null;
  return new RegExp(globs.map((glob) => globToRegExp(glob).source).join('|'));
}
