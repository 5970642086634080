/**
 * One request the emulated API server answered. Bodies are never recorded: they may hold
 * Secret values.
 *
 * @public
 */
export interface RecordedRequest {
  time: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Who made the request (`system:serviceaccount:<ns>:<name>`, a static token's user); absent when it did not authenticate. */
  user?: string;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection, discovery. */
  verb: string;
  group?: string;
  resource?: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** The request asked for PartialObjectMetadata (no data, no spec). */
  asMetadata: boolean;
  /** The request read Secret objects in full (their `data`). */
  secretDataRead: boolean;
  status: number;
}

/**
 * Every request the emulator answered, so tests can assert what a client asked for, and the
 * switch that makes any read of Secret data fail loudly.
 *
 * @public
 */
export class RequestLog {
  private entries: RecordedRequest[] = [];

  /** When true, reading Secrets other than as PartialObjectMetadata is answered 403 and recorded. */
  forbidSecretDataReads: boolean;

  constructor(
    forbidSecretDataReads: boolean,
    private readonly limit: number = 10_000,
  ) {
    this.forbidSecretDataReads = forbidSecretDataReads;
  }

  record(entry: RecordedRequest): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) {
      this.entries.splice(0, this.entries.length - this.limit);
    }
  }

  all(): RecordedRequest[] {
    return [...this.entries];
  }

  secretDataReads(): RecordedRequest[] {
    return this.entries.filter(e => e.secretDataRead);
  }

  /** Throws, naming each offending request, if anything read Secret data. */
  assertNoSecretDataReads(): void {
    const reads = this.secretDataReads();
    if (reads.length) {
      throw new Error(
        `Secret data was requested from the Kubernetes API ${
          reads.length
        } time(s); read Secrets as PartialObjectMetadata instead:\n${reads
          .map(r => `  ${r.method} ${r.path}`)
          .join('\n')}`,
      );
    }
  }

  clear(): void {
    this.entries = [];
  }
}
