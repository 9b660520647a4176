// A dedicated worker of bench/browser/checkpoints_page.ts: chunkStores() where OPFS files are
// written through sync access handles, which a page's thread does not have.
import { chunkStores } from './checkpoints_page.ts';

self.onmessage = async (event: MessageEvent<{ tableBytes: number; rounds: number }>) => {
  try {
    self.postMessage({ rows: await chunkStores(event.data.tableBytes, event.data.rounds) });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
