/**
 * The URL path as Vault routes it. A malformed escape stays as sent, so that the emulator
 * answers it with its normal "no handler" instead of the transport crashing.
 */
export function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}
