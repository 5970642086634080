/**
 * What ESO does to the key/value map a `dataFrom` entry returns before it merges it into the
 * target Secret (external-secrets v2.9.0: pkg/controllers/externalsecret/
 * externalsecret_controller_secret.go handleFindAllSecrets/handleExtractSecrets, with
 * runtime/esutils/utils.go RewriteMap, ConvertKeys, ValidateKeys and runtime/decoding/
 * decoding.go DecodeMap): `rewrite` when given, else `conversionStrategy`; then the keys must be
 * valid Secret keys; then `decodingStrategy`. Errors carry ESO's texts.
 */
import { ProviderError } from './VaultProviderClient';

type Spec = Record<string, any>;

/** ESO's esutils.convert: characters a Secret key may not hold, by `conversionStrategy`. */
function convertKey(strategy: string | undefined, key: string): string {
  let out = '';
  for (const c of key) {
    if (/[\p{L}\p{N}]/u.test(c) || c === '-' || c === '.' || c === '_') {
      out += c;
    } else if (strategy === 'Default' || !strategy) {
      // an omitted strategy is Default, as ESO folds it
      out += '_';
    } else if (strategy === 'Unicode') {
      out += `_U${c.codePointAt(0)!.toString(16).padStart(4, '0')}_`;
    } else {
      out += c;
    }
  }
  return out;
}

function convertKeys(
  strategy: string | undefined,
  values: Map<string, Buffer>,
): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [key, value] of values) {
    const converted = convertKey(strategy, key);
    if (out.has(converted)) {
      throw new ProviderError(
        `error applying conversion strategy ${
          strategy ?? ''
        } to keys: secret name collision during conversion: ${converted}`,
      );
    }
    out.set(converted, value);
  }
  return out;
}

/**
 * Go's Regexp.Expand template syntax (`$1`, `${1}`, `$name`, `${name}`, `$$`) applied to one
 * match: a name is the longest run of letters, digits and underscores; an unknown group is ''.
 */
function expandGoTemplate(target: string, match: RegExpExecArray): string {
  return target.replace(
    /\$(?:(\$)|\{(\w+)\}|(\w+))/g,
    (_, dollar: string, braced: string, bare: string) => {
      if (dollar) return '$';
      const name = braced ?? bare;
      const value = /^\d+$/.test(name)
        ? match[Number(name)]
        : match.groups?.[name];
      return value ?? '';
    },
  );
}

function rewriteKeys(
  operations: Spec[],
  values: Map<string, Buffer>,
): Map<string, Buffer> {
  let out = values;
  for (const [index, operation] of operations.entries()) {
    if (!operation.regexp) {
      if (operation.merge || operation.transform) {
        throw new ProviderError(
          `rewrite[${index}]: only regexp rewrites are simulated by the sandbox`,
        );
      }
      continue;
    }
    let re: RegExp;
    try {
      re = new RegExp(operation.regexp.source, 'g');
    } catch (error) {
      throw new ProviderError(
        `error applying rewrite to keys: failed rewrite operation[${index}]: regexp failed with failed to compile: ${
          (error as Error).message
        }`,
      );
    }
    const next = new Map<string, Buffer>();
    for (const [key, value] of out) {
      const target = String(operation.regexp.target ?? '');
      next.set(
        key.replace(re, (...args) => {
          // rebuild the exec result replace() spreads out, for the Go-style template
          const hasGroups = typeof args[args.length - 1] === 'object';
          const groups = hasGroups ? args[args.length - 1] : undefined;
          const captures = args.slice(0, hasGroups ? -3 : -2);
          const match = Object.assign(captures, {
            groups,
          }) as unknown as RegExpExecArray;
          return expandGoTemplate(target, match);
        }),
        value,
      );
    }
    out = next;
  }
  return out;
}

/** ESO's ValidateKeys: empty keys are dropped; others must be valid Secret keys. */
function validateKeys(values: Map<string, Buffer>) {
  const tip =
    'invalid secret keys (TIP: use rewrite or conversionStrategy to change keys): ';
  for (const key of [...values.keys()]) {
    const length = Buffer.byteLength(key);
    if (length === 0) {
      values.delete(key);
      continue;
    }
    if (length > 253) {
      throw new ProviderError(
        `${tip}key has length ${length} but max is 253: (following is truncated): ${key.slice(
          0,
          253,
        )}`,
      );
    }
    for (const c of key) {
      if (!/[\p{L}\p{N}]/u.test(c) && c !== '-' && c !== '.' && c !== '_') {
        throw new ProviderError(
          `${tip}key has invalid character ${c}, only alphanumeric, '-', '.' and '_' are allowed: ${key}`,
        );
      }
    }
  }
}

const STD_ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Go's base64 Encoding.DecodeString for the padded encodings (StdEncoding, URLEncoding):
 * newlines are skipped, and the first problem is reported as
 * `illegal base64 data at input byte N` at the offset Go's decodeQuantum reports.
 */
function goBase64Decode(input: Buffer, alphabet: string): Buffer {
  const fail = (offset: number): never => {
    throw new Error(`illegal base64 data at input byte ${offset}`);
  };
  const isNewline = (b: number) => b === 0x0a || b === 0x0d;
  const out: number[] = [];
  let si = 0;
  while (si < input.length) {
    const quantum: number[] = [];
    let length = 4;
    for (let j = 0; j < 4; j++) {
      if (si === input.length) {
        if (j === 0) return Buffer.from(out);
        // padded encodings need a whole quantum
        fail(si - j);
      }
      const b = input[si];
      si++;
      const value = alphabet.indexOf(String.fromCharCode(b));
      if (value >= 0 && b < 0x80) {
        quantum.push(value);
        continue;
      }
      if (isNewline(b)) {
        j--;
        continue;
      }
      if (b !== 0x3d) fail(si - 1);
      if (j < 2) fail(si - 1);
      if (j === 2) {
        while (si < input.length && isNewline(input[si])) si++;
        if (si === input.length) fail(input.length);
        if (input[si] !== 0x3d) fail(si - 1);
        si++;
      }
      while (si < input.length && isNewline(input[si])) si++;
      if (si < input.length) fail(si);
      length = j;
      break;
    }
    while (quantum.length < 4) quantum.push(0);
    const v =
      (quantum[0] << 18) | (quantum[1] << 12) | (quantum[2] << 6) | quantum[3];
    const bytes = [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
    out.push(...bytes.slice(0, length - 1));
  }
  return Buffer.from(out);
}

function decodeValue(strategy: string | undefined, value: Buffer): Buffer {
  switch (strategy) {
    case 'Base64':
      return goBase64Decode(value, STD_ALPHABET);
    case 'Base64URL':
      return goBase64Decode(value, URL_ALPHABET);
    case 'None':
    case '':
    case undefined:
      return value;
    case 'Auto':
      try {
        return goBase64Decode(value, STD_ALPHABET);
      } catch {
        try {
          return goBase64Decode(value, URL_ALPHABET);
        } catch {
          return value;
        }
      }
    default:
      throw new Error(`decoding strategy ${strategy} is not supported`);
  }
}

function decodeValues(
  strategy: string | undefined,
  values: Map<string, Buffer>,
): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [key, value] of values) {
    try {
      out.set(key, decodeValue(strategy, value));
    } catch (error) {
      throw new ProviderError(
        `error applying decoding strategy ${
          strategy ?? ''
        } to data: failure decoding key ${key}: ${(error as Error).message}`,
      );
    }
  }
  return out;
}

/**
 * ESO's handling of what `dataFrom[].find` (or `extract`) returned: `rewrite` when the entry
 * has one, else its `conversionStrategy`; then key validation and `decodingStrategy`.
 */
export function dataFromKeys(
  entry: Spec,
  options: Spec,
  values: Map<string, Buffer>,
): Map<string, Buffer> {
  const rewrite = (entry.rewrite ?? []) as Spec[];
  const keyed =
    rewrite.length > 0
      ? rewriteKeys(rewrite, values)
      : convertKeys(options.conversionStrategy, values);
  validateKeys(keyed);
  return decodeValues(options.decodingStrategy, keyed);
}
