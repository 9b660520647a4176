/** The constructor of a WHATWG WebSocket: the runtime's, or the `ws` package's on Node before 22. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

export function webSocketConstructor(given: WebSocketConstructor | undefined, where: string): WebSocketConstructor {
  const ctor = given ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof ctor !== 'function') {
    throw new Error(`${where}: this runtime has no WebSocket (Node before 22). Fix: pass one, e.g. import { WebSocket } from 'ws'; { WebSocket }`);
  }
  return ctor;
}

/**
 * Opens a socket; rejects if it closes or fails before it opens. `onMessage` is set at once: a
 * server may send as the connection opens, before the caller's continuation runs.
 */
export function connect(ctor: WebSocketConstructor, url: string, protocols: string | string[] | undefined, signal?: AbortSignal, onMessage?: (event: MessageEvent) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    let socket: WebSocket;
    try {
      socket = new ctor(url, protocols);
    } catch (error) {
      reject(error);
      return;
    }
    socket.binaryType = 'arraybuffer';
    if (onMessage !== undefined) socket.onmessage = onMessage;
    const abort = () => socket.close();
    signal?.addEventListener('abort', abort);
    socket.onopen = () => {
      signal?.removeEventListener('abort', abort);
      resolve(socket);
    };
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      signal?.removeEventListener('abort', abort);
      reject(new Error(`the connection closed before it opened (code ${event.code}${event.reason === '' ? '' : `, ${event.reason}`})`));
    };
  });
}
