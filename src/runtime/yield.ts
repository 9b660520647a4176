/**
 * Gives the event loop a turn (async sources, timers, a browser's rendering) without the
 * ~4 ms clamp of nested setTimeout. Uses no DOM: setImmediate (Node, Bun) or MessageChannel
 * (browsers, workers, Deno).
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel ??= openChannel();
    channel.port2.postMessage(null);
  });
}

/**
 * One channel while yields are pending or a job runs here, held here: a channel referenced only
 * by its own handler may be collected with its message still queued, and the yield would never
 * end. One message per waiter. A running job yields every millisecond or so in a worker, and a
 * channel costs far more to make and close in Chromium than a message on it, so it stays open
 * while any job holds it (`holdYieldChannel`); it closes when no job holds it and no yield
 * waits, so an idle Deno process can still exit.
 */
let channel: MessageChannel | null = null;
const waiting: Array<() => void> = [];
let holders = 0;

function openChannel(): MessageChannel {
  const opened = new MessageChannel();
  opened.port1.onmessage = () => {
    const next = waiting.shift();
    closeIfUnused();
    next?.();
  };
  return opened;
}

function closeIfUnused(): void {
  if (channel === null || waiting.length > 0 || holders > 0) return;
  channel.port1.close();
  channel = null;
}

/** Keeps the yields' channel open until the returned release is called (once a job's loop ends). */
export function holdYieldChannel(): () => void {
  holders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders--;
    closeIfUnused();
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
