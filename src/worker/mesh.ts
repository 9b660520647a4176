/**
 * Worker-to-worker data: one MessageChannel per worker pair (the coordinator never relays data),
 * and `DataPort`, which posts encoded stream elements on one port with credit-based flow control.
 */
import { isData } from '../core/elements.ts';
import type { StreamElement } from '../core/elements.ts';
import { decodeBatch, decodeColumns, encodeBatch, encodeColumns, transferablesOf } from './batch_codec.ts';
import type { Endpoint } from './endpoint.ts';
import type { CreditMessage, DataMessage, PortMetrics, PortMessage, WireElement } from './protocol.ts';

/** `ports[i][j]`: worker i's end of its channel to worker j (null when i === j). Transfer row i to worker i. */
export function createMesh(workerCount: number): Array<Array<MessagePort | null>> {
  const ports: Array<Array<MessagePort | null>> = Array.from({ length: workerCount }, () => new Array<MessagePort | null>(workerCount).fill(null));
  for (let i = 0; i < workerCount; i++) {
    for (let j = i + 1; j < workerCount; j++) {
      const { port1, port2 } = new MessageChannel();
      ports[i][j] = port1;
      ports[j][i] = port2;
    }
  }
  return ports;
}

export type ElementHandler = (channel: number, element: StreamElement) => void | Promise<void>;

export interface DataPortOptions {
  /** Most batches sent and not yet acknowledged by the receiver (default 4). */
  readonly credit?: number;
  /** Shown in errors, e.g. `port 1 -> 2`. */
  readonly label?: string;
  readonly peer?: number;
}

export const DEFAULT_CREDIT = 4;

/** A send on a port whose peer (or this end) closed; `name` survives comlink, which keeps only name and message. */
export class PortClosedError extends Error {
  override readonly name = 'PortClosedError';
}

function encode(element: StreamElement): WireElement {
  switch (element.kind) {
    case 'batch': return { kind: 'batch', batch: encodeBatch(element.batch) };
    case 'columns': return { kind: 'columns', batch: encodeColumns(element.batch) };
    default: return element;
  }
}

function decode(element: WireElement): StreamElement {
  switch (element.kind) {
    case 'batch': return { kind: 'batch', batch: decodeBatch(element.batch) };
    case 'columns': return { kind: 'columns', batch: decodeColumns(element.batch) };
    default: return element;
  }
}

const isBatch = (m: DataMessage) => isData(m.element as StreamElement);
const lengthOf = (m: DataMessage) => (m.element.kind === 'batch' || m.element.kind === 'columns' ? m.element.batch.length : 0);

/**
 * One end of a worker pair's channel. Sending: batches consume credit, which the receiver returns
 * after its handler has processed them (awaited when it returns a promise); watermarks and end
 * markers take none but never overtake a waiting batch. Receiving: elements reach the handler in
 * arrival order, one at a time; those that arrive before a handler is set wait (at most `credit`
 * batches, since the sender cannot have more in flight).
 */
export class DataPort {
  readonly credit: number;
  readonly label: string;
  readonly #endpoint: Endpoint;
  readonly #peer: number;
  #inFlight = 0;
  #maxInFlight = 0;
  readonly #outbox: Array<{ message: DataMessage; resolve: () => void }> = [];
  readonly #inbox: DataMessage[] = [];
  #handler: ElementHandler | null = null;
  #draining = false;
  #closed: Error | null = null;
  #rejectWaiting: Array<(error: Error) => void> = [];
  #counts = { batchesSent: 0, recordsSent: 0, batchesReceived: 0, recordsReceived: 0 };

  constructor(endpoint: Endpoint, options: DataPortOptions = {}) {
    this.credit = options.credit ?? DEFAULT_CREDIT;
    if (!(this.credit >= 1)) throw new Error(`DataPort credit must be at least 1, got ${this.credit}`);
    this.label = options.label ?? 'data port';
    this.#peer = options.peer ?? -1;
    this.#endpoint = endpoint;
    endpoint.addEventListener('message', ((event: MessageEvent) => this.#onMessage(event.data as PortMessage)) as EventListener);
    // Node ports emit 'close' when the other end closes or its worker exits.
    endpoint.addEventListener('close', (() => this.#shut(new PortClosedError(`${this.label} was closed by the peer`))) as EventListener);
    endpoint.start?.();
  }

  /** Batches sent and not yet acknowledged. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Elements received and not yet processed by the handler. */
  get queued(): number {
    return this.#inbox.length + (this.#draining ? 1 : 0);
  }

  metrics(): PortMetrics {
    return { peer: this.#peer, ...this.#counts, maxInFlight: this.#maxInFlight };
  }

  /** Sends now if it can (credit left, nothing waiting); returns false, sending nothing, if not. */
  trySend(channel: number, element: StreamElement): boolean {
    this.#checkOpen();
    if (this.#outbox.length > 0 || (isData(element) && this.#inFlight >= this.credit)) return false;
    this.#post({ kind: 'element', channel, element: encode(element) });
    return true;
  }

  /** Sends in order; resolves once posted (after waiting for credit if needed). */
  send(channel: number, element: StreamElement): Promise<void> {
    if (this.trySend(channel, element)) return Promise.resolve();
    const message: DataMessage = { kind: 'element', channel, element: encode(element) };
    return new Promise<void>((resolve, reject) => {
      this.#outbox.push({ message, resolve });
      this.#rejectWaiting.push(reject);
    });
  }

  /** Sets the receiver; elements already waiting are delivered first. */
  onElement(handler: ElementHandler): void {
    this.#handler = handler;
    void this.#drain();
  }

  close(): void {
    this.#shut(new PortClosedError(`${this.label} is closed`));
  }

  #checkOpen(): void {
    if (this.#closed !== null) throw this.#closed;
  }

  #post(message: DataMessage): void {
    if (isBatch(message)) {
      this.#inFlight++;
      if (this.#inFlight > this.#maxInFlight) this.#maxInFlight = this.#inFlight;
      this.#counts.batchesSent++;
      this.#counts.recordsSent += lengthOf(message);
      this.#endpoint.postMessage(message, transferablesOf((message.element as { batch: Parameters<typeof transferablesOf>[0] }).batch));
    } else {
      this.#endpoint.postMessage(message);
    }
  }

  #flush(): void {
    while (this.#outbox.length > 0) {
      const next = this.#outbox[0];
      if (isBatch(next.message) && this.#inFlight >= this.credit) return;
      this.#outbox.shift();
      this.#rejectWaiting.shift();
      this.#post(next.message);
      next.resolve();
    }
  }

  #onMessage(message: PortMessage): void {
    if (this.#closed !== null) return;
    if (message.kind === 'credit') {
      this.#inFlight -= message.count;
      this.#flush();
      return;
    }
    this.#inbox.push(message);
    void this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#handler !== null && this.#inbox.length > 0 && this.#closed === null) {
        const message = this.#inbox.shift()!;
        const done = this.#handler(message.channel, decode(message.element));
        if (done !== undefined) await done;
        if (isBatch(message)) {
          this.#counts.batchesReceived++;
          this.#counts.recordsReceived += lengthOf(message);
          if (this.#closed === null) this.#endpoint.postMessage({ kind: 'credit', count: 1 } satisfies CreditMessage);
        }
      }
    } finally {
      this.#draining = false;
    }
  }

  #shut(reason: Error): void {
    if (this.#closed !== null) return;
    this.#closed = reason;
    this.#outbox.length = 0;
    for (const reject of this.#rejectWaiting.splice(0)) reject(reason);
    this.#inbox.length = 0;
    this.#endpoint.close?.();
  }
}
