import { badRequest } from './kubernetesStatus';

type Requirement =
  | { op: 'exists' | 'notExists'; key: string }
  | { op: 'in' | 'notIn'; key: string; values: string[] };

/** Splits on commas that are not inside `in (...)` value lists. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map(p => p.trim()).filter(Boolean);
}

function parseRequirement(text: string): Requirement {
  let match = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(text);
  if (match) {
    const values = match[3]
      .split(',')
      .map(v => v.trim())
      .filter(Boolean);
    return {
      op: match[2] === 'in' ? 'in' : 'notIn',
      key: match[1],
      values,
    };
  }
  match = /^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/.exec(text);
  if (match) {
    return {
      op: match[2] === '!=' ? 'notIn' : 'in',
      key: match[1],
      values: [match[3]],
    };
  }
  match = /^(!?)([^\s!=(),]+)$/.exec(text);
  if (match) {
    return { op: match[1] ? 'notExists' : 'exists', key: match[2] };
  }
  throw badRequest(`unable to parse requirement: ${text}`);
}

/**
 * A parsed Kubernetes label selector (`a=b,c!=d,e in (f,g),!h`), as `labelSelector` query
 * parameters carry it.
 */
export class LabelSelector {
  private constructor(private readonly requirements: Requirement[]) {}

  static parse(text: string | undefined): LabelSelector {
    return new LabelSelector(
      text ? splitTopLevel(text).map(parseRequirement) : [],
    );
  }

  matches(labels: Record<string, string> | undefined): boolean {
    const all = labels ?? {};
    return this.requirements.every(r => {
      const has = Object.prototype.hasOwnProperty.call(all, r.key);
      switch (r.op) {
        case 'exists':
          return has;
        case 'notExists':
          return !has;
        case 'in':
          return has && r.values.includes(all[r.key]);
        case 'notIn':
          return !has || !r.values.includes(all[r.key]);
        default:
          return false;
      }
    });
  }
}

/** A `metav1.LabelSelector` (a Deployment's `spec.selector`, ESO's `namespaceSelector`). */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    values?: string[];
  }>;
}

/**
 * Whether `labels` satisfy a label selector, as Kubernetes'
 * `LabelSelectorAsSelector(...).Matches` decides: every `matchLabels` pair and every
 * expression must hold; an empty (or absent) selector matches everything. An unknown operator
 * matches nothing.
 */
export function selectorMatches(
  selector: LabelSelectorObject | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (have[key] !== value) return false;
  }
  for (const expression of selector?.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(have, expression.key);
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (!present || !values.includes(have[expression.key])) return false;
        break;
      case 'NotIn':
        if (present && values.includes(have[expression.key])) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
