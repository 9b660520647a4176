// Yields where there is no setImmediate (browsers, Web Workers, Deno) go through a MessageChannel:
// one per yield when nothing holds it, one for a whole job while the job's loop holds it, closed
// once it is released and no yield waits (an open port keeps a Deno process alive).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { holdYieldChannel, yieldToEventLoop } from '../../src/runtime/yield.ts';

/** MessageChannel as the browser has it, counting the channels made and the ports closed. */
function countingChannels(): { made: number; closed: number } {
  const counts = { made: 0, closed: 0 };
  const Real = MessageChannel;
  class Counting extends Real {
    constructor() {
      super();
      counts.made++;
      const close = this.port1.close.bind(this.port1);
      this.port1.close = () => {
        counts.closed++;
        close();
      };
    }
  }
  vi.stubGlobal('setImmediate', undefined);
  vi.stubGlobal('MessageChannel', Counting);
  return counts;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('yieldToEventLoop without setImmediate', () => {
  it('makes and closes a channel per yield when nothing holds it', async () => {
    const counts = countingChannels();
    for (let i = 0; i < 3; i++) await yieldToEventLoop();
    expect(counts).toEqual({ made: 3, closed: 3 });
  });

  it('keeps one channel for every yield while a job holds it, and closes it once released', async () => {
    const counts = countingChannels();
    const release = holdYieldChannel();
    for (let i = 0; i < 5; i++) await yieldToEventLoop();
    await Promise.all([yieldToEventLoop(), yieldToEventLoop()]);
    expect(counts).toEqual({ made: 1, closed: 0 });
    release();
    release(); // a second call releases nothing more
    expect(counts).toEqual({ made: 1, closed: 1 });
    await yieldToEventLoop();
    expect(counts).toEqual({ made: 2, closed: 2 });
  });

  it('closes the channel after the last of two holders releases it, and after the yields still waiting', async () => {
    const counts = countingChannels();
    const first = holdYieldChannel();
    const second = holdYieldChannel();
    await yieldToEventLoop();
    first();
    expect(counts.closed).toBe(0);
    const waiting = yieldToEventLoop();
    second();
    expect(counts.closed).toBe(0);
    await waiting;
    expect(counts).toEqual({ made: 1, closed: 1 });
  });
});
