import { InputError } from '@backstage/errors';
import { KvVersion, kvPolicyPaths } from './kvPaths';

/**
 * A capability a Vault ACL policy can grant on a path.
 *
 * @public
 */
export type VaultCapability =
  | 'create'
  | 'read'
  | 'update'
  | 'patch'
  | 'delete'
  | 'list'
  | 'sudo'
  | 'deny'
  | 'subscribe'
  | 'recover';

/**
 * Every capability Vault accepts in a policy, in Vault's own order.
 *
 * @public
 */
export const VAULT_CAPABILITIES: readonly VaultCapability[] = [
  'deny',
  'create',
  'read',
  'update',
  'patch',
  'delete',
  'list',
  'sudo',
  'subscribe',
  'recover',
];

/**
 * One `path "..." { capabilities = [...] }` block of a policy.
 *
 * @public
 */
export interface VaultPolicyRule {
  /** The path pattern as written, without a leading "/". */
  path: string;
  /** The capabilities granted; `['deny']` alone when the rule denies. */
  capabilities: VaultCapability[];
}

/**
 * A parsed Vault ACL policy.
 *
 * @public
 */
export interface VaultPolicy {
  rules: VaultPolicyRule[];
}

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

interface Candidate {
  pattern: string;
  capabilities: Set<VaultCapability>;
  isPrefix: boolean;
  hasSegmentWildcard: boolean;
  /** The pattern without a trailing `*`. */
  stem: string;
  firstWildcard: number;
  segmentWildcards: number;
}

function describeRule(
  pattern: string,
  capabilities: Set<VaultCapability>,
): Candidate {
  const segments = pattern.split('/');
  const segmentWildcards = segments.filter(s => s === '+').length;
  const isPrefix = pattern.endsWith('*');
  const stem = isPrefix ? pattern.slice(0, -1) : pattern;
  // Vault compares where the first "+" (or, for a plain glob, the "*") appears.
  const firstWildcard =
    segmentWildcards > 0 ? pattern.indexOf('+') : stem.length;
  return {
    pattern,
    capabilities,
    isPrefix,
    hasSegmentWildcard: segmentWildcards > 0,
    stem,
    firstWildcard,
    segmentWildcards,
  };
}

function matches(candidate: Candidate, path: string): boolean {
  if (!candidate.isPrefix && !candidate.hasSegmentWildcard) {
    return candidate.pattern === path;
  }
  if (!candidate.hasSegmentWildcard) {
    return path.startsWith(candidate.stem);
  }
  const ruleParts = candidate.stem.split('/');
  const pathParts = path.split('/');
  if (!candidate.isPrefix && ruleParts.length !== pathParts.length)
    return false;
  if (candidate.isPrefix && ruleParts.length > pathParts.length) return false;
  return ruleParts.every((part, i) => {
    if (part === '+') return true;
    if (part === pathParts[i]) return true;
    return (
      candidate.isPrefix &&
      i === ruleParts.length - 1 &&
      pathParts[i].startsWith(part)
    );
  });
}

/** True when `a` has lower priority than `b` (Vault's documented priority rules). */
function isLessSpecific(a: Candidate, b: Candidate): boolean {
  if (a.firstWildcard !== b.firstWildcard)
    return a.firstWildcard < b.firstWildcard;
  if (a.isPrefix !== b.isPrefix) return a.isPrefix;
  if (a.segmentWildcards !== b.segmentWildcards)
    return a.segmentWildcards > b.segmentWildcards;
  if (a.stem.length !== b.stem.length) return a.stem.length < b.stem.length;
  return a.stem < b.stem;
}

/**
 * The outcome of evaluating policies for one path: the capabilities that apply, and the rule
 * pattern that decided (undefined when no rule matched).
 *
 * @public
 */
export interface VaultCapabilityCheck {
  /** Effective capabilities; `['deny']` when denied or when no rule matches (as Vault's `sys/capabilities` answers). */
  capabilities: VaultCapability[];
  /** The winning rule pattern, e.g. `secret/data/example-api/*`. */
  matchedRule?: string;
}

/**
 * Evaluates Vault ACL policies for a request path the way Vault does: rules with the same
 * pattern unite across policies (`deny` in any of them wins), an exact pattern beats every
 * glob, and otherwise the most specific matching glob or `+` pattern decides. Policies given as
 * text are parsed first.
 *
 * @public
 */
export function explainCapabilities(
  policies: ReadonlyArray<VaultPolicy | string>,
  path: string,
): VaultCapabilityCheck {
  const requestPath = path.replace(/^\/+/, '');
  const merged = new Map<string, Set<VaultCapability>>();
  for (const policy of policies) {
    const parsed =
      typeof policy === 'string' ? parseVaultPolicy(policy) : policy;
    for (const rule of parsed.rules) {
      const caps = merged.get(rule.path) ?? new Set<VaultCapability>();
      rule.capabilities.forEach(cap => caps.add(cap));
      merged.set(rule.path, caps);
    }
  }
  const candidates = [...merged.entries()].map(([pattern, caps]) =>
    describeRule(pattern, caps),
  );

  let winner = candidates.find(
    c => !c.isPrefix && !c.hasSegmentWildcard && c.pattern === requestPath,
  );
  if (!winner) {
    // A LIST request may carry a trailing slash that an exact rule leaves out.
    const trimmed = requestPath.replace(/\/$/, '');
    winner = candidates.find(
      c =>
        !c.isPrefix &&
        !c.hasSegmentWildcard &&
        trimmed !== requestPath &&
        c.pattern === trimmed,
    );
  }
  if (!winner) {
    const globs = candidates.filter(
      c => (c.isPrefix || c.hasSegmentWildcard) && matches(c, requestPath),
    );
    // Among plain `*` globs Vault keeps only the longest prefix before comparing with `+` rules.
    const plainPrefixes = globs.filter(c => !c.hasSegmentWildcard);
    const longestPrefix = plainPrefixes.reduce<Candidate | undefined>(
      (best, c) => (!best || c.stem.length > best.stem.length ? c : best),
      undefined,
    );
    const contenders = [
      ...(longestPrefix ? [longestPrefix] : []),
      ...globs.filter(c => c.hasSegmentWildcard),
    ];
    winner = contenders.reduce<Candidate | undefined>(
      (best, c) => (!best || isLessSpecific(best, c) ? c : best),
      undefined,
    );
  }
  if (!winner) {
    return { capabilities: ['deny'] };
  }
  if (winner.capabilities.has('deny') || winner.capabilities.size === 0) {
    return { capabilities: ['deny'], matchedRule: winner.pattern };
  }
  return {
    capabilities: VAULT_CAPABILITIES.filter(cap =>
      winner!.capabilities.has(cap),
    ),
    matchedRule: winner.pattern,
  };
}

/**
 * The capabilities Vault grants on `path` under the given policies (parsed or as text):
 * `['deny']` when nothing applies. See {@link explainCapabilities} for the rule that decided.
 *
 * @public
 */
export function capabilitiesFor(
  policies: ReadonlyArray<VaultPolicy | string>,
  path: string,
): VaultCapability[] {
  return explainCapabilities(policies, path).capabilities;
}

/**
 * Renders a policy as HCL, one `path` block per rule. Paths and capabilities are written as
 * JSON string literals, which HCL reads back unchanged, so nothing in a path can end the block.
 *
 * @public
 */
export function renderVaultPolicyHcl(policy: VaultPolicy): string {
  return policy.rules
    .map(rule => {
      const caps = rule.capabilities.map(cap => JSON.stringify(cap)).join(', ');
      return `path ${JSON.stringify(
        rule.path,
      )} {\n  capabilities = [${caps}]\n}\n`;
    })
    .join('\n');
}

/**
 * What a service's least-privilege KV policy covers.
 *
 * @public
 */
export interface KvServicePolicyOptions {
  kvMount: string;
  kvVersion: KvVersion;
  /** The folder under the mount holding the service's secrets, e.g. `example-api`. */
  pathPrefix: string;
  /** Capabilities on the secrets; `list` is granted on the metadata path for KV v2. */
  capabilities: ReadonlyArray<VaultCapability>;
}

/**
 * The least-privilege policy for reading one service's KV secrets: the requested capabilities
 * on `<mount>/data/<prefix>/*` (KV v2) or `<mount>/<prefix>/*` (KV v1), and `list` on
 * `<mount>/metadata/<prefix>/*` only when `list` is requested. Validates mount and prefix.
 *
 * @public
 */
export function kvServicePolicy(options: KvServicePolicyOptions): VaultPolicy {
  const paths = kvPolicyPaths(
    options.kvMount,
    options.pathPrefix,
    options.kvVersion,
  );
  const requested = new Set(options.capabilities);
  if (requested.size === 0) {
    throw new InputError(
      'Invalid capabilities: at least one capability is required',
    );
  }
  if (requested.has('deny')) {
    throw new InputError(
      'Invalid capabilities: "deny" cannot be granted by this policy',
    );
  }
  const ordered = VAULT_CAPABILITIES.filter(cap => requested.has(cap));
  if (options.kvVersion === 1) {
    return { rules: [{ path: paths.read, capabilities: ordered }] };
  }
  const rules: VaultPolicyRule[] = [];
  const onData = ordered.filter(cap => cap !== 'list');
  if (onData.length > 0) {
    rules.push({ path: paths.read, capabilities: onData });
  }
  if (requested.has('list')) {
    rules.push({ path: paths.list, capabilities: ['list'] });
  }
  return { rules };
}
