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
 * One channel while yields are pending, held here: a channel referenced only by its own handler
 * may be collected with its message still queued, and the yield would never end. One message per
 * waiter; the channel closes when none is left, so an idle Deno process can still exit.
 */
let channel: MessageChannel | null = null;
const waiting: Array<() => void> = [];

function openChannel(): MessageChannel {
  const opened = new MessageChannel();
  opened.port1.onmessage = () => {
    const next = waiting.shift();
    if (waiting.length === 0) {
      opened.port1.close();
      channel = null;
    }
    next?.();
  };
  return opened;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
