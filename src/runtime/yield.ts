/**
 * Gives the event loop a turn (async sources, timers, a browser's rendering) without the
 * ~4 ms clamp of nested setTimeout. Uses no DOM: setImmediate (Node, Bun) or MessageChannel
 * (browsers, workers, Deno).
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
