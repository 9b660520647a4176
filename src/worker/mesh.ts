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
  /** Most batches sent and not yet acknowledged by the receiver (default 32). */
  readonly credit?: number;
  /** Shown in errors, e.g. `port 1 -> 2`. */
  readonly label?: string;
  readonly peer?: number;
  /**
   * How long (ms) a message holding only batches and watermarks may wait for more before it is
   * posted (default 5; Flink's buffer timeout). It goes at once when it holds `messageRecords`
   * records, when no credit is left for another batch, or when any other element joins it.
   */
  readonly lingerMs?: number;
  /** Records at which a message is posted without lingering (default 8,192). */
  readonly messageRecords?: number;
}

/**
 * Thirty-two batches: a keyed edge splits each poll among the workers, so its batches are a
 * fraction of a poll, and a full message (`DEFAULT_MESSAGE_RECORDS`) holds a dozen or more of
 * them. With credit for less than two full messages, a sender in Chromium (where each message
 * costs far more than in Node) waited for the last message's credit to come back before it could
 * fill the next; with two, one fills while the peer works through the other.
 */
export const DEFAULT_CREDIT = 32;
const DEFAULT_LINGER_MS = 5;
const DEFAULT_MESSAGE_RECORDS = 8192;

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

const isDataWire = (e: WireElement): boolean => e.kind === 'batch' || e.kind === 'columns';
const lengthOf = (e: WireElement): number => (e.kind === 'batch' || e.kind === 'columns' ? e.batch.length : 0);

interface WaitingSend {
  readonly channel: number;
  readonly element: WireElement;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

const SENT: Promise<void> = Promise.resolve();

/**
 * One end of a worker pair's channel.
 *
 * Sending: the elements sent to one peer go out together, as one message: a message has a fixed
 * cost, in Chromium many times a small batch's, which the batches in it share. A message of
 * batches (and watermarks) lingers up to `lingerMs` for more, as Flink's output buffers wait for
 * their timeout; it is posted at the thread's next microtask turn once it is full (`messageRecords`),
 * once no credit is left (nothing more could join it), or once another element (a barrier, an end)
 * joins it. Credit counts batches, as Flink's counts buffers: a batch takes one when it is
 * accepted into the next message, so a message of k batches holds k, and at most `credit` batches
 * are ever unacknowledged however they are grouped. Watermarks, barriers and end markers take
 * none but never overtake a batch waiting for credit.
 *
 * Receiving: elements reach the handler in arrival order, one at a time (the next once the
 * handler's promise, if it returns one, resolves); those that arrive before a handler is set
 * wait (at most `credit` batches, since the sender cannot have more unacknowledged). Credit goes
 * back for every batch the handler has taken, in one message per run of the handler, and before
 * the handler is awaited, so a held receiver never sits on credit for batches it has consumed.
 */
const discard: ElementHandler = () => undefined;

export class DataPort {
  readonly credit: number;
  readonly label: string;
  readonly #endpoint: Endpoint;
  readonly #peer: number;
  #inFlight = 0;
  #maxInFlight = 0;
  /** The next message: accepted elements (their batches' credit taken), not yet posted. */
  #outChannels: number[] = [];
  #outElements: WireElement[] = [];
  #outTransfer: ArrayBuffer[] = [];
  #outRecords = 0;
  #flushQueued = false;
  #lingering: ReturnType<typeof setTimeout> | null = null;
  readonly #lingerMs: number;
  readonly #messageRecords: number;
  readonly #flushNow = () => this.#flush();
  /** Sends waiting for credit, in order: nothing is accepted while one waits. */
  readonly #waiting: WaitingSend[] = [];
  #inChannels: number[] = [];
  #inElements: WireElement[] = [];
  #inNext = 0;
  #handler: ElementHandler | null = null;
  #draining = false;
  #closed: Error | null = null;
  #counts = { batchesSent: 0, recordsSent: 0, messagesSent: 0, batchesReceived: 0, recordsReceived: 0, messagesReceived: 0 };

  constructor(endpoint: Endpoint, options: DataPortOptions = {}) {
    this.credit = options.credit ?? DEFAULT_CREDIT;
    if (!(this.credit >= 1)) throw new Error(`DataPort credit must be at least 1, got ${this.credit}`);
    this.label = options.label ?? 'data port';
    this.#lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
    this.#messageRecords = options.messageRecords ?? DEFAULT_MESSAGE_RECORDS;
    this.#peer = options.peer ?? -1;
    this.#endpoint = endpoint;
    endpoint.addEventListener('message', ((event: MessageEvent) => this.#onMessage(event.data as PortMessage)) as EventListener);
    // Node ports emit 'close' when the other end closes or its worker exits.
    endpoint.addEventListener('close', (() => this.#shut(new PortClosedError(`${this.label} was closed by the peer`))) as EventListener);
    endpoint.start?.();
  }

  /** Batches sent (accepted into a message) and not yet acknowledged. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Elements received and not yet processed by the handler. */
  get queued(): number {
    return this.#inElements.length - this.#inNext + (this.#draining ? 1 : 0);
  }

  metrics(): PortMetrics {
    return { peer: this.#peer, ...this.#counts, maxInFlight: this.#maxInFlight };
  }

  /** Sends if it can now (credit left, nothing waiting); returns false, sending nothing, if not. */
  trySend(channel: number, element: StreamElement): boolean {
    this.#checkOpen();
    if (!this.#mayAccept(isData(element))) return false;
    this.#accept(channel, encode(element));
    return true;
  }

  /** Sends in order; resolves once the element is in a message on its way (after waiting for credit if needed). */
  send(channel: number, element: StreamElement): Promise<void> {
    this.#checkOpen();
    const wire = encode(element);
    if (this.#mayAccept(isDataWire(wire))) {
      this.#accept(channel, wire);
      return SENT;
    }
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ channel, element: wire, resolve, reject });
    });
  }

  /** Sets the receiver; elements already waiting are delivered first. */
  onElement(handler: ElementHandler): void {
    this.#handler = handler;
    void this.#drain();
  }

  /**
   * Forgets the receiver once its job is over: the port stays open (see WorkerHost), and whatever
   * still arrives is dropped with its credit given back, so the finished job's operators are not
   * kept alive by the port, and a late sender is never held.
   */
  detach(): void {
    this.#handler = discard;
    void this.#drain();
  }

  /** Posts what was accepted, then closes; sends still waiting for credit are rejected. */
  close(): void {
    if (this.#closed === null) this.#flush();
    this.#shut(new PortClosedError(`${this.label} is closed`));
  }

  #checkOpen(): void {
    if (this.#closed !== null) throw this.#closed;
  }

  #mayAccept(data: boolean): boolean {
    return this.#waiting.length === 0 && (!data || this.#inFlight < this.credit);
  }

  #accept(channel: number, element: WireElement): void {
    this.#outChannels.push(channel);
    this.#outElements.push(element);
    let linger = element.kind === 'watermark';
    if (isDataWire(element)) {
      const records = lengthOf(element);
      this.#inFlight++;
      if (this.#inFlight > this.#maxInFlight) this.#maxInFlight = this.#inFlight;
      this.#counts.batchesSent++;
      this.#counts.recordsSent += records;
      this.#outRecords += records;
      for (const buffer of transferablesOf((element as { batch: Parameters<typeof transferablesOf>[0] }).batch)) this.#outTransfer.push(buffer);
      linger = this.#outRecords < this.#messageRecords && this.#inFlight < this.credit;
    }
    if (linger && this.#lingerMs > 0) {
      this.#lingering ??= setTimeout(this.#flushNow, this.#lingerMs);
    } else if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(this.#flushNow);
    }
  }

  #flush(): void {
    this.#flushQueued = false;
    if (this.#lingering !== null) {
      clearTimeout(this.#lingering);
      this.#lingering = null;
    }
    if (this.#outElements.length === 0 || this.#closed !== null) return;
    const message: DataMessage = { kind: 'elements', channels: this.#outChannels, elements: this.#outElements };
    const transfer = this.#outTransfer;
    this.#outChannels = [];
    this.#outElements = [];
    this.#outTransfer = [];
    this.#outRecords = 0;
    this.#counts.messagesSent++;
    this.#endpoint.postMessage(message, transfer);
  }

  #onMessage(message: PortMessage): void {
    if (this.#closed !== null) return;
    if (message.kind === 'credit') {
      this.#inFlight -= message.count;
      this.#admitWaiting();
      return;
    }
    this.#counts.messagesReceived++;
    const { channels, elements } = message;
    for (let i = 0; i < elements.length; i++) {
      this.#inChannels.push(channels[i]);
      this.#inElements.push(elements[i]);
    }
    void this.#drain();
  }

  #admitWaiting(): void {
    while (this.#waiting.length > 0) {
      const next = this.#waiting[0];
      if (isDataWire(next.element) && this.#inFlight >= this.credit) return;
      this.#waiting.shift();
      this.#accept(next.channel, next.element);
      next.resolve();
    }
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    let consumed = 0;
    try {
      while (this.#handler !== null && this.#inNext < this.#inElements.length && this.#closed === null) {
        if (this.#inNext >= 64 && 2 * this.#inNext >= this.#inElements.length) this.#compactInbox();
        const i = this.#inNext++;
        const element = this.#inElements[i];
        const done = this.#handler(this.#inChannels[i], decode(element));
        if (done !== undefined) {
          consumed = this.#returnCredit(consumed);
          await done;
        }
        if (isDataWire(element)) {
          this.#counts.batchesReceived++;
          this.#counts.recordsReceived += lengthOf(element);
          consumed++;
        }
      }
    } finally {
      this.#draining = false;
      this.#returnCredit(consumed);
      if (this.#inNext === this.#inElements.length) {
        this.#inChannels = [];
        this.#inElements = [];
        this.#inNext = 0;
      }
    }
  }

  /** Drops the elements already handled (a receiver that is never idle would otherwise keep them all). */
  #compactInbox(): void {
    this.#inChannels.splice(0, this.#inNext);
    this.#inElements.splice(0, this.#inNext);
    this.#inNext = 0;
  }

  /** Gives back `count` batches' credit (if any, and the port is open); returns what is left to give: 0. */
  #returnCredit(count: number): number {
    if (count > 0 && this.#closed === null) this.#endpoint.postMessage({ kind: 'credit', count } satisfies CreditMessage);
    return 0;
  }

  #shut(reason: Error): void {
    if (this.#closed !== null) return;
    this.#closed = reason;
    if (this.#lingering !== null) clearTimeout(this.#lingering);
    this.#lingering = null;
    this.#outRecords = 0;
    this.#outChannels = [];
    this.#outElements = [];
    this.#outTransfer = [];
    for (const waiting of this.#waiting.splice(0)) waiting.reject(reason);
    this.#inChannels = [];
    this.#inElements = [];
    this.#inNext = 0;
    this.#endpoint.close?.();
  }
}
