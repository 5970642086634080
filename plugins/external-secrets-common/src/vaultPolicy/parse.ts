import { InputError } from '@backstage/errors';
import {
  VAULT_CAPABILITIES,
  VaultCapability,
  VaultPolicy,
  VaultPolicyRule,
} from './model';

// Vault's HCL (and JSON) policy text, read into rules.

// Keys Vault accepts inside a path block besides capabilities; they do not change which
// capabilities apply, so the evaluator ignores them.
const OTHER_PATH_KEYS = new Set([
  'policy',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
  'subscribe_event_types',
]);

// The pre-0.9 shorthand `policy = "read"` and what it stands for.
const LEGACY_POLICY: Record<string, VaultCapability[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

type HclValue = string | number | boolean | HclValue[] | HclObject;
interface HclItem {
  keys: string[];
  value: HclValue;
  line: number;
}
interface HclObject {
  items: HclItem[];
}

type Token =
  | { kind: 'string'; text: string; line: number }
  | { kind: 'ident'; text: string; line: number }
  | { kind: 'number'; text: string; line: number }
  | { kind: 'punct'; text: string; line: number };

function fail(message: string): never {
  throw new InputError(`failed to parse policy: ${message}`);
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < source.length) {
    const c = source[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (c === '#' || (c === '/' && source[i + 1] === '/')) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) fail(`unterminated comment on line ${line}`);
      line += source.slice(i, end).split('\n').length - 1;
      i = end + 2;
    } else if (c === '"') {
      const start = line;
      let text = '';
      i++;
      for (;;) {
        if (i >= source.length) fail(`unterminated string on line ${start}`);
        const s = source[i];
        if (s === '"') break;
        if (s === '\n') fail(`newline in string on line ${line}`);
        if (s === '\\') {
          const e = source[i + 1];
          const simple: Record<string, string> = {
            n: '\n',
            t: '\t',
            r: '\r',
            '"': '"',
            '\\': '\\',
          };
          if (e !== undefined && e in simple) {
            text += simple[e];
            i += 2;
          } else if (
            e === 'u' &&
            /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))
          ) {
            text += String.fromCharCode(
              parseInt(source.slice(i + 2, i + 6), 16),
            );
            i += 6;
          } else {
            fail(`invalid escape in string on line ${line}`);
          }
        } else {
          text += s;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', text, line: start });
    } else if ('{}[]=,'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, line });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(source.slice(i))!;
      tokens.push({ kind: 'ident', text: match[0], line });
      i += match[0].length;
    } else if (/[-0-9]/.test(c)) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(source.slice(i));
      if (!match) fail(`unexpected "${c}" on line ${line}`);
      tokens.push({ kind: 'number', text: match[0], line });
      i += match[0].length;
    } else {
      fail(`unexpected character ${JSON.stringify(c)} on line ${line}`);
    }
  }
  return tokens;
}

class HclParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parseDocument(): HclObject {
    const body = this.parseBody(false);
    if (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos];
      fail(`unexpected "${t.text}" on line ${t.line}`);
    }
    return body;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private isPunct(text: string): boolean {
    const t = this.peek();
    return t !== undefined && t.kind === 'punct' && t.text === text;
  }

  private expectPunct(text: string) {
    const t = this.peek();
    if (!t) fail(`expected "${text}" at end of input`);
    if (t.kind !== 'punct' || t.text !== text) {
      fail(`expected "${text}" but found "${t.text}" on line ${t.line}`);
    }
    this.pos++;
  }

  private parseBody(nested: boolean): HclObject {
    const items: HclItem[] = [];
    for (;;) {
      const t = this.peek();
      if (!t) {
        if (nested) fail('unexpected end of input: missing "}"');
        return { items };
      }
      if (t.kind === 'punct' && t.text === '}') {
        if (!nested) fail(`unexpected "}" on line ${t.line}`);
        return { items };
      }
      if (t.kind === 'punct' && t.text === ',') {
        this.pos++;
        continue;
      }
      items.push(this.parseItem());
    }
  }

  private parseItem(): HclItem {
    const keys: string[] = [];
    const line = this.peek()!.line;
    for (;;) {
      const t = this.peek();
      if (t && (t.kind === 'ident' || t.kind === 'string')) {
        keys.push(t.text);
        this.pos++;
        continue;
      }
      break;
    }
    if (keys.length === 0) {
      const t = this.peek()!;
      fail(`expected a key but found "${t.text}" on line ${t.line}`);
    }
    if (this.isPunct('=')) {
      this.pos++;
      if (keys.length > 1)
        fail(`unexpected "=" after several keys on line ${line}`);
      return { keys, value: this.parseValue(), line };
    }
    if (this.isPunct('{')) {
      return { keys, value: this.parseObject(), line };
    }
    const t = this.peek();
    return fail(
      t
        ? `expected "=" or "{" but found "${t.text}" on line ${t.line}`
        : `expected "=" or "{" after "${keys.join(' ')}" at end of input`,
    );
  }

  private parseObject(): HclObject {
    this.expectPunct('{');
    const body = this.parseBody(true);
    this.expectPunct('}');
    return body;
  }

  private parseValue(): HclValue {
    const t = this.peek();
    if (!t) fail('expected a value at end of input');
    if (t.kind === 'string') {
      this.pos++;
      return t.text;
    }
    if (t.kind === 'number') {
      this.pos++;
      return Number(t.text);
    }
    if (t.kind === 'ident' && (t.text === 'true' || t.text === 'false')) {
      this.pos++;
      return t.text === 'true';
    }
    if (t.kind === 'punct' && t.text === '[') {
      this.pos++;
      const list: HclValue[] = [];
      while (!this.isPunct(']')) {
        list.push(this.parseValue());
        if (this.isPunct(',')) {
          this.pos++;
        } else if (!this.isPunct(']')) {
          const n = this.peek();
          fail(
            n
              ? `expected "," or "]" but found "${n.text}" on line ${n.line}`
              : 'unexpected end of input in a list',
          );
        }
      }
      this.pos++;
      return list;
    }
    if (t.kind === 'punct' && t.text === '{') {
      return this.parseObject();
    }
    return fail(`unexpected "${t.text}" on line ${t.line}`);
  }
}

function jsonToHcl(value: unknown): HclValue {
  if (Array.isArray(value)) {
    return value.map(jsonToHcl);
  }
  if (value !== null && typeof value === 'object') {
    return {
      items: Object.entries(value).map(([key, v]) => ({
        keys: [key],
        value: jsonToHcl(v),
        line: 0,
      })),
    };
  }
  if (
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  return fail('null is not a valid value');
}

function isObject(value: HclValue): value is HclObject {
  return typeof value === 'object' && !Array.isArray(value);
}

/** Flattens `path "a" { ... }` and `path = { "a" = { ... } }` into (path, body) pairs. */
function pathBlocks(
  item: HclItem,
): Array<{ path: string; body: HclObject; line: number }> {
  const [, ...rest] = item.keys;
  if (rest.length > 1)
    fail(`path block with more than one name on line ${item.line}`);
  if (rest.length === 1) {
    if (!isObject(item.value)) fail(`path "${rest[0]}" must be a block`);
    return [{ path: rest[0], body: item.value, line: item.line }];
  }
  if (!isObject(item.value))
    fail(`"path" must be a block on line ${item.line}`);
  return item.value.items.flatMap(inner => {
    if (inner.keys.length !== 1 || !isObject(inner.value)) {
      return fail(`invalid path entry on line ${inner.line}`);
    }
    return [{ path: inner.keys[0], body: inner.value, line: inner.line }];
  });
}

function parseRule(path: string, body: HclObject): VaultPolicyRule {
  const normalized = path.replace(/^\//, '');
  if (normalized.includes('+*')) {
    fail(`path "${path}": invalid use of wildcards ('+*' is forbidden)`);
  }
  const granted = new Set<VaultCapability>();
  for (const item of body.items) {
    const key = item.keys[0];
    if (item.keys.length !== 1)
      fail(`path "${path}": invalid key "${item.keys.join(' ')}"`);
    if (key === 'capabilities') {
      if (!Array.isArray(item.value))
        fail(`path "${path}": capabilities must be a list`);
      for (const cap of item.value) {
        if (
          typeof cap !== 'string' ||
          !(VAULT_CAPABILITIES as readonly string[]).includes(cap)
        ) {
          fail(`path "${path}": invalid capability ${JSON.stringify(cap)}`);
        }
        granted.add(cap as VaultCapability);
      }
    } else if (key === 'policy') {
      const legacy =
        typeof item.value === 'string' ? LEGACY_POLICY[item.value] : undefined;
      if (!legacy)
        fail(`path "${path}": invalid policy ${JSON.stringify(item.value)}`);
      legacy.forEach(cap => granted.add(cap));
    } else if (!OTHER_PATH_KEYS.has(key)) {
      fail(`path "${path}": invalid key "${key}" on line ${item.line}`);
    }
  }
  const capabilities = granted.has('deny')
    ? (['deny'] as VaultCapability[])
    : VAULT_CAPABILITIES.filter(cap => granted.has(cap));
  return { path: normalized, capabilities };
}

/**
 * Parses Vault ACL policy text, in HCL (`path "..." { capabilities = [...] }`, with `#`, `//`
 * and block comments) or JSON (`{"path": {"...": {"capabilities": [...]}}}`), the way Vault
 * accepts it. Throws an `InputError` starting with Vault's `failed to parse policy:` otherwise.
 *
 * @public
 */
export function parseVaultPolicy(text: string): VaultPolicy {
  if (typeof text !== 'string') fail('policy text must be a string');
  let document: HclObject;
  if (text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return fail(`invalid JSON: ${(error as Error).message}`);
    }
    const converted = jsonToHcl(json);
    if (!isObject(converted)) fail('JSON policy must be an object');
    document = converted;
  } else {
    document = new HclParser(tokenize(text)).parseDocument();
  }
  const rules: VaultPolicyRule[] = [];
  for (const item of document.items) {
    const key = item.keys[0];
    if (key === 'name' && item.keys.length === 1) continue;
    if (key !== 'path') fail(`invalid key "${key}" on line ${item.line}`);
    for (const block of pathBlocks(item)) {
      rules.push(parseRule(block.path, block.body));
    }
  }
  return { rules };
}

/**
 * What is wrong with policy text, or undefined when Vault would accept it.
 *
 * @public
 */
export function vaultPolicyProblem(text: string): string | undefined {
  try {
    parseVaultPolicy(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
