const encoder = new TextEncoder();

/** One watch event as the API server streams it. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

/**
 * A watch response body: newline-delimited JSON events on a web `ReadableStream`, which both
 * msw and the Node request listener can send as a chunked response.
 */
export class WatchStream {
  readonly body: ReadableStream<Uint8Array>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private closed = false;
  private readonly onCloseCallbacks: Array<() => void> = [];

  constructor() {
    this.body = new ReadableStream<Uint8Array>({
      start: controller => {
        this.controller = controller;
      },
      cancel: () => this.finish(),
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(event: WatchEvent): void {
    if (this.closed) {
      return;
    }
    this.controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
  }

  /** Ends the stream cleanly, as the API server does on timeout or restart. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.controller.close();
    this.finish();
  }

  /** Breaks the stream, as a lost connection does. */
  abort(reason: Error): void {
    if (this.closed) {
      return;
    }
    this.controller.error(reason);
    this.finish();
  }

  onClose(callback: () => void): void {
    this.onCloseCallbacks.push(callback);
  }

  private finish() {
    if (this.closed) {
      return;
    }
    this.closed = true;
    for (const callback of this.onCloseCallbacks.splice(0)) {
      callback();
    }
  }
}
