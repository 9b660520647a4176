/**
 * import() of a specifier that bundlers must neither follow nor warn about: a job module's URL,
 * known only when a job starts, or a Node built-in that a page's bundle must not pull in.
 * It has a file of its own because the package's JavaScript is minified, and the minifier keeps
 * the bundler hint inside import() only in a file that keeps its line breaks
 * (scripts/build_package.mjs).
 */
export function importUnseen(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}
