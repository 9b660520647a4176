/** Specs as TypeScript literals, one node per line: what a failure prints, ready to paste. */
import type { Spec, SpecNode } from './spec.ts';

function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (value === null || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{ ${entries.map(([k, v]) => `${k}: ${literal(v)}`).join(', ')} }`;
}

export function formatNode(node: SpecNode): string {
  return literal(node);
}

export function formatSpec(spec: Spec, indent = ''): string {
  const head = `version: ${spec.version}, mode: ${literal(spec.mode)}, watermarkEmission: ${literal(spec.watermarkEmission)}, declareTypes: ${spec.declareTypes}`
    + (spec.batchSize === undefined ? '' : `, batchSize: ${spec.batchSize}`);
  return [
    `{`,
    `${indent}  ${head}, nodes: [`,
    ...spec.nodes.map((n) => `${indent}    ${formatNode(n)},`),
    `${indent}  ],`,
    `${indent}}`,
  ].join('\n');
}
