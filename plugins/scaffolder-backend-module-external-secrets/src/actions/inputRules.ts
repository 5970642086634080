import { InputError } from '@backstage/errors';
import {
  KvVersion,
  NameKind,
  parseGoDuration,
  parseKvVersion,
  validateName,
} from '@gitops-secrets/plugin-external-secrets-common';

/** A name input: the given value, or the default, checked against its rule. */
export function nameInput(
  kind: NameKind,
  value: unknown,
  field: string,
  fallback?: string,
): string {
  return validateName(kind, value === undefined ? fallback : value, field);
}

/** A list of names: each checked, duplicates removed, at least one. */
export function nameListInput(
  kind: NameKind,
  value: unknown,
  field: string,
  fallback: string[],
): string[] {
  const list = value === undefined ? fallback : value;
  if (!Array.isArray(list) || list.length === 0) {
    throw new InputError(`Invalid ${field}: must be a non-empty list`);
  }
  if (list.length > 100) {
    throw new InputError(`Invalid ${field}: at most 100 entries`);
  }
  return [
    ...new Set(
      list.map((item, i) => validateName(kind, item, `${field}[${i}]`)),
    ),
  ];
}

export function booleanInput(
  value: unknown,
  field: string,
  fallback = false,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new InputError(`Invalid ${field}: must be true or false`);
  }
  return value;
}

/** An optional KV version (1, 2, "v1", "v2"); undefined means "detect it". */
export function kvVersionInput(value: unknown): KvVersion | undefined {
  if (value === undefined) return undefined;
  const version = parseKvVersion(value);
  if (version === undefined) {
    throw new InputError(
      'Invalid kvVersion: must be 1 or 2, or left out to detect it',
    );
  }
  return version;
}

/** A Go duration such as "1h" or "30m", returned in whole seconds (1 s to 30 days). */
export function durationInput(
  value: unknown,
  field: string,
  fallback: string,
): number {
  const text = value === undefined ? fallback : value;
  const ms =
    typeof text === 'string' && text.length <= 32
      ? parseGoDuration(text)
      : undefined;
  if (ms === undefined || ms < 1000 || ms > 30 * 86_400_000) {
    throw new InputError(
      `Invalid ${field}: must be a duration such as "1h" or "30m", from 1s to 720h`,
    );
  }
  return Math.round(ms / 1000);
}

/**
 * An audience as Kubernetes puts it in a token's `aud` claim: printable ASCII without spaces,
 * quotes or backslashes, at most 512 characters.
 */
export function audienceInput(value: unknown, fallback: string): string {
  const audience = value === undefined ? fallback : value;
  if (typeof audience !== 'string' || audience === '') {
    throw new InputError(
      'Invalid audience: must be a non-empty string such as "https://kubernetes.default.svc.cluster.local"',
    );
  }
  if (audience.length > 512 || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(audience)) {
    throw new InputError(
      'Invalid audience: printable ASCII without spaces, quotes or backslashes, at most 512 characters',
    );
  }
  return audience;
}
