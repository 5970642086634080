import { InputError } from '@backstage/errors';

type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'absent' };

/**
 * A parsed Kubernetes label selector (`app=x,tier!=db,env in (a,b),!legacy`), evaluated in
 * memory against cached objects so that an entity's `backstage.io/kubernetes-label-selector`
 * selects the same ExternalSecrets the API server would.
 *
 * @public
 */
export interface LabelSelector {
  readonly text: string;
  /** the value required for `key` by an equality requirement, when there is one */
  equalityValue(key: string): string | undefined;
  /**
   * true when some requirement pins a label to named values (`key=value`, `key in (a,b)`):
   * only such a selector narrows the match to something; `!key`, `key`, `key!=v` and
   * `key notin (…)` alone match every object that lacks or differs in one label.
   */
  pinsLabelValue(): boolean;
  matches(labels: Record<string, string> | undefined): boolean;
}

const KEY =
  /^([A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts.map(p => p.trim()).filter(p => p !== '');
}

function checkKey(key: string, text: string): string {
  if (!KEY.test(key)) {
    throw new InputError(
      `Invalid label selector "${text}": "${key}" is not a label key`,
    );
  }
  return key;
}

function checkValue(value: string, text: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw new InputError(
      `Invalid label selector "${text}": "${value}" is not a label value`,
    );
  }
  return value;
}

function parseRequirement(part: string, text: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
  if (set) {
    const values = set[3]
      .split(',')
      .map(v => v.trim())
      .filter(v => v !== '')
      .map(v => checkValue(v, text));
    return {
      key: checkKey(set[1], text),
      op: set[2] as 'in' | 'notin',
      values,
    };
  }
  const equality = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (equality) {
    const key = checkKey(equality[1], text);
    const value = checkValue(equality[3], text);
    return { key, op: equality[2] === '!=' ? 'notin' : 'in', values: [value] };
  }
  if (part.startsWith('!')) {
    return { key: checkKey(part.slice(1).trim(), text), op: 'absent' };
  }
  return { key: checkKey(part, text), op: 'exists' };
}

/**
 * Parses a label selector; throws `InputError` for text the API server would reject too.
 *
 * @public
 */
export function parseLabelSelector(text: string): LabelSelector {
  const requirements = splitTopLevel(text).map(p => parseRequirement(p, text));
  if (requirements.length === 0) {
    throw new InputError('Invalid label selector: it is empty');
  }
  return {
    text,
    equalityValue(key) {
      const found = requirements.find(
        r => r.key === key && r.op === 'in' && r.values.length === 1,
      );
      return found && 'values' in found ? found.values[0] : undefined;
    },
    pinsLabelValue() {
      return requirements.some(
        r => r.op === 'in' && r.values.some(v => v !== ''),
      );
    },
    matches(labels) {
      const have = labels ?? {};
      return requirements.every(r => {
        const present = Object.prototype.hasOwnProperty.call(have, r.key);
        switch (r.op) {
          case 'exists':
            return present;
          case 'absent':
            return !present;
          case 'in':
            return present && r.values.includes(have[r.key]);
          case 'notin':
            return !present || !r.values.includes(have[r.key]);
          default:
            return false;
        }
      });
    },
  };
}
