/**
 * The fields in which an existing Vault object differs from the wanted one, as readable lines
 * (`token_ttl: 7200 in Vault, 3600 wanted`). Lists compare as sets.
 */
export function differences(
  existing: Record<string, unknown>,
  wanted: Record<string, unknown>,
): string[] {
  const normal = (value: unknown) =>
    Array.isArray(value)
      ? JSON.stringify([...value].map(String).sort())
      : JSON.stringify(value);
  return Object.keys(wanted)
    .filter(key => normal(existing[key]) !== normal(wanted[key]))
    .map(
      key =>
        `${key}: ${normal(existing[key])} in Vault, ${normal(
          wanted[key],
        )} wanted`,
    );
}
