/**
 * Worker entries start without top-level await, so that a bundler may build them as classic
 * workers too (vite's default worker format, iife, has none). A set-up that fails is thrown
 * from a task of its own: an uncaught error reaches the Worker's `error` event in every runtime,
 * where a browser would keep a rejected promise to itself.
 */
export function rethrowOutside(error: unknown): void {
  setTimeout(() => {
    throw error;
  });
}
