/** Flink orders records within a key only; conformance_job's lines are compared as per-key sequences. */
export function perKey(lines: string[]): string[] {
  const byKey = new Map<string, string[]>();
  for (const l of lines) {
    const [kind, key] = l.split(/[ @:]/);
    byKey.set(`${kind} ${key}`, [...(byKey.get(`${kind} ${key}`) ?? []), l]);
  }
  return [...byKey].map(([k, ls]) => `${k} => ${ls.join(' | ')}`).sort();
}
