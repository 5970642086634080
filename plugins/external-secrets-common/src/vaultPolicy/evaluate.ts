import { VAULT_CAPABILITIES, VaultCapability, VaultPolicy } from './model';
import { parseVaultPolicy } from './parse';

// Which capabilities a set of policies grants on a path, by Vault's priority rules.

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
