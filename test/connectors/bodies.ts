/** The bodies the test servers serve, also imported by the browser tests (so no Node module here). */
export function ndjsonBody(n: number): string {
  let body = '';
  for (let i = 0; i < n; i++) body += `${JSON.stringify({ i, name: `n-${i}` })}\n`;
  return body;
}

/** A header, then rows whose last field is quoted, with a comma, a doubled quote and a line break in it. */
export function csvBody(n: number): string {
  let body = 'id,name,note\n';
  for (let i = 0; i < n; i++) body += `${i},name ${i},"a ""note"", with a comma\nand a second line ${i}"\n`;
  return body;
}
