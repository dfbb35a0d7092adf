/** Turns zod issues into lines that quote the bad value and say what to do. */
import type { z } from 'zod';

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (undefined)';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  if (text.length > 80) text = `${text.slice(0, 77)}...`;
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  return `${text} (${type})`;
}

export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((issue) => {
    const where = issue.path.map(String).join('.') || '(config)';
    if (issue.code === 'unrecognized_keys') {
      const parent = valueAt(input, issue.path) as Record<string, unknown> | undefined;
      const keys = issue.keys.map((k) => `${JSON.stringify(k)} = ${describeValue(parent?.[k])}`).join(', ');
      return `${where}: unknown key ${keys}; check the spelling or remove it`;
    }
    return `${where}: ${issue.message}, got ${describeValue(valueAt(input, issue.path))}`;
  });
}
