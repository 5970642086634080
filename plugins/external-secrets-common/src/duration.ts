const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration as Kubernetes objects carry it (`2m`, `1h30m`, `90s`, `0`) into
 * milliseconds; undefined when the text is not a duration.
 *
 * @public
 */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const value = text.trim();
  if (value === '0') {
    return 0;
  }
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) {
    return undefined;
  }
  let total = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return total;
}
