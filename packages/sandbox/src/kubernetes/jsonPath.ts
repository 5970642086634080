/**
 * The part of Kubernetes JSONPath that CRD `additionalPrinterColumns` use: `.a.b`, `['a.b']`,
 * `[0]`, `[*]` and the equality filter `[?(@.type=="Ready")]`. A column path that cannot be
 * parsed is rejected when the column is declared, as the API server rejects such a CRD.
 */

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string[]; value: unknown; negate: boolean };

function parseFilterValue(text: string): unknown {
  const trimmed = text.trim();
  if (/^(["']).*\1$/.test(trimmed)) {
    return trimmed.slice(1, -1);
  }
  if (trimmed === 'true' || trimmed === 'false') {
    return trimmed === 'true';
  }
  const number = Number(trimmed);
  if (trimmed !== '' && !Number.isNaN(number)) {
    return number;
  }
  throw new Error(`unsupported JSONPath filter value ${text}`);
}

/** Splits `.a.b[0].c` into steps; throws on anything outside the supported subset. */
export function parseJsonPath(path: string): Step[] {
  const text = path.replace(/^\{(.*)\}$/, '$1').trim();
  const steps: Step[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '.') {
      const match = /^\.([A-Za-z0-9_$-]+)/.exec(text.slice(i));
      if (!match) {
        throw new Error(`unsupported JSONPath ${path}`);
      }
      steps.push({ kind: 'field', name: match[1] });
      i += match[0].length;
      continue;
    }
    if (text[i] === '[') {
      const end = text.indexOf(']', i);
      if (end < 0) {
        throw new Error(`unterminated [ in JSONPath ${path}`);
      }
      const inner = text.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') {
        steps.push({ kind: 'all' });
      } else if (/^\d+$/.test(inner)) {
        steps.push({ kind: 'index', index: Number(inner) });
      } else if (/^(["']).*\1$/.test(inner)) {
        steps.push({ kind: 'field', name: inner.slice(1, -1) });
      } else {
        const filter = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(.+)\)$/.exec(
          inner,
        );
        if (!filter) {
          throw new Error(`unsupported JSONPath ${path}`);
        }
        steps.push({
          kind: 'filter',
          path: filter[1].split('.').filter(Boolean),
          value: parseFilterValue(filter[3]),
          negate: filter[2] === '!=',
        });
      }
      continue;
    }
    throw new Error(`unsupported JSONPath ${path}`);
  }
  return steps;
}

function fieldOf(value: unknown, name: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** Every value the path selects in `root`, in document order (none when nothing matches). */
export function evaluateJsonPath(steps: Step[], root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const value of current) {
      if (step.kind === 'field') {
        const child = fieldOf(value, step.name);
        if (child !== undefined) {
          next.push(child);
        }
      } else if (!Array.isArray(value)) {
        continue;
      } else if (step.kind === 'index') {
        if (step.index < value.length) {
          next.push(value[step.index]);
        }
      } else if (step.kind === 'all') {
        next.push(...value);
      } else {
        for (const item of value) {
          const actual = step.path.reduce<unknown>(fieldOf, item);
          if ((actual === step.value) !== step.negate) {
            next.push(item);
          }
        }
      }
    }
    current = next;
  }
  return current;
}

/** How Go's `fmt.Print` shows a decoded JSON value, which is how kubectl's JSONPath prints it. */
export function goPrint(value: unknown): string {
  if (value === null || value === undefined) {
    return '<nil>';
  }
  if (Array.isArray(value)) {
    return `[${value.map(goPrint).join(' ')}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(
      ([a], [b]) => (a < b ? -1 : 1),
    );
    return `map[${entries.map(([k, v]) => `${k}:${goPrint(v)}`).join(' ')}]`;
  }
  return String(value);
}
