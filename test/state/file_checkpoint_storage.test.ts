import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckpointStore } from '../../src/state/checkpoint_storage.ts';
import { crc32 } from '../../src/state/crc32.ts';
import { mulberry32 } from '../support/random.ts';
import { FileSystemCheckpointStorage } from '../../src/state/file_checkpoint_storage.ts';
import type { JobSnapshot, KernelTablePart } from '../../src/state/snapshot.ts';
import { realisticSnapshot } from './fixtures/checkpoint_snapshots.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/checkpoint_child.ts', import.meta.url));

const dirs: string[] = [];
const stores: CheckpointStore[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eddy-chk-'));
  dirs.push(dir);
  return dir;
}

async function open(dir: string, job: string): Promise<CheckpointStore> {
  const store = await new FileSystemCheckpointStorage(dir).open(job);
  stores.push(store);
  return store;
}

function checkpointDirs(jobDir: string): string[] {
  return fs.readdirSync(jobDir).filter((name) => name.startsWith('chk-')).sort();
}

function chunkFiles(chkDir: string): string[] {
  return fs.readdirSync(chkDir).filter((name) => name.startsWith('chunk-')).sort();
}

function lockOf(jobDir: string): { pid: number; time: string } {
  return JSON.parse(fs.readFileSync(path.join(jobDir, 'LOCK'), 'utf8')) as { pid: number; time: string };
}

function heldMessage(job: string, dir: string, pid: number, time: string): string {
  return `the checkpoints of job "${job}" at ${dir} are held by process ${pid} (since ${time}); a job's checkpoints have one owner at a time. Fix: stop that process, or run this job under another name`;
}

/** A small snapshot: one subtask whose operator state says `tag`. */
function tagged(checkpointId: number, tag: string): JobSnapshot {
  return { checkpointId, subtasks: [{ uid: 'op', subtaskIndex: 0, parallelism: 1, maxParallelism: 128, keyed: [], operator: [{ name: 'tag', mode: 'union', items: [tag] }], finished: false }] };
}

/**
 * `toStrictEqual` on the whole snapshot, but kernel tables compared as bytes: vitest compares
 * typed arrays element by element, which takes minutes for megabytes.
 */
function expectSnapshot(actual: JobSnapshot | null, expected: JobSnapshot): void {
  expect(actual).not.toBeNull();
  const tables = (s: JobSnapshot): Uint8Array[] => s.subtasks.flatMap((st) => st.keyed.flatMap((p) => (p.kind === 'kernel' ? [p.table] : [])));
  const shapes = (s: JobSnapshot): string[] => tables(s).map((t) => `${t.constructor.name}(${t.length})`);
  expect(shapes(actual!)).toEqual(shapes(expected));
  tables(actual!).forEach((table, i) => expect(Buffer.compare(table, tables(expected)[i])).toBe(0));
  const rest = (s: JobSnapshot): JobSnapshot => ({ ...s, subtasks: s.subtasks.map((st) => ({ ...st, keyed: st.keyed.map((p) => (p.kind === 'kernel' ? { ...p, table: new Uint8Array(0) } : p)) })) });
  expect(rest(actual!)).toStrictEqual(rest(expected));
}

interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first output line matching `pattern` (and every later one is still recorded). */
  waitFor(pattern: RegExp): Promise<string>;
  readonly exited: Promise<void>;
}

/** Runs the child fixture in a new Node process, optionally under a file size limit (in the shell's ulimit -f blocks). */
function startChild(args: readonly string[], fileSizeLimit?: number): Child {
  const node = [process.execPath, '--import', 'tsx', CHILD, ...args];
  const proc = fileSizeLimit === undefined
    ? spawn(node[0], node.slice(1), { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('sh', ['-c', `ulimit -f ${fileSizeLimit} && exec "$0" "$@"`, ...node], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const lines: string[] = [];
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  let stderr = '';
  let pending = '';
  proc.stdout!.setEncoding('utf8').on('data', (text: string) => {
    pending += text;
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete) {
      lines.push(line);
      for (const wait of waiting.splice(0)) {
        if (wait.pattern.test(line)) wait.resolve(line);
        else waiting.push(wait);
      }
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  // 'close', not 'exit': every line the child printed before it died has been read by then.
  const exited = new Promise<void>((resolve) => proc.on('close', () => resolve()));
  return {
    process: proc,
    lines,
    exited,
    waitFor: (pattern) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((resolve, reject) => {
        waiting.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`the child exited (${proc.exitCode ?? proc.signalCode}) before printing ${pattern}; stdout: ${lines.join(' | ')}; stderr: ${stderr}`)));
      });
    },
  };
}

async function kill(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}


describe('crc32', () => {
  it('is the IEEE CRC-32 zlib computes, also continued over pieces', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const bytes = realisticSnapshot(1, 100_003).subtasks[0].keyed[2] as KernelTablePart;
    expect(crc32(bytes.table)).toBe(zlib.crc32(bytes.table));
    expect(crc32(bytes.table.subarray(5000), crc32(bytes.table.subarray(0, 5000)))).toBe(zlib.crc32(bytes.table));
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('FileSystemCheckpointStorage', () => {
  it('writes a checkpoint as chunks and a manifest, and reads back exactly what was written', async () => {
    const dir = tempDir();
    const storage = new FileSystemCheckpointStorage(dir);
    expect(storage.describe()).toBe(`file system at ${dir}`);
    const store = await storage.open('orders');
    stores.push(store);
    const snapshot = realisticSnapshot(1);

    const info = await store.write(snapshot, 3);

    const chk = path.join(dir, 'job-orders', 'chk-1');
    // Each 10 MB subtask fills a chunk of its own; the small source's state takes a third.
    expect(fs.readdirSync(chk).sort()).toEqual(['MANIFEST.json', 'chunk-0.bin', 'chunk-1.bin', 'chunk-2.bin']);
    const manifest = JSON.parse(fs.readFileSync(path.join(chk, 'MANIFEST.json'), 'utf8')) as {
      job: string; checkpointId: number; codec: string; time: string;
      chunks: { file: string; bytes: number; crc32: number; records: { uid: string; subtaskIndex: number; offset: number; bytes: number }[] }[];
    };
    expect(manifest).toMatchObject({ job: 'orders', checkpointId: 1, codec: 'v8' });
    expect(Date.parse(manifest.time)).not.toBeNaN();
    expect(manifest.chunks.map((c) => c.records.map((r) => `${r.uid}/${r.subtaskIndex}@${r.offset}`))).toEqual([
      ['window-sum/0@0'], ['window-sum/1@0'], ['orders-source/0@0'],
    ]);
    for (const chunk of manifest.chunks) {
      const data = fs.readFileSync(path.join(chk, chunk.file));
      expect(data.length).toBe(chunk.bytes);
      expect(chunk.crc32).toBe(crc32(data));
    }
    const onDisk = fs.readdirSync(chk).reduce((sum, name) => sum + fs.statSync(path.join(chk, name)).size, 0);
    expect(info).toEqual({ checkpointId: 1, bytes: onDisk });
    expect(onDisk).toBeGreaterThan(20 * 1024 * 1024);

    const back = await store.latest();
    expectSnapshot(back, snapshot);
    // Each restored table owns its buffer (not a view into the chunk it was read from).
    const table = (back!.subtasks[1].keyed[2] as KernelTablePart).table;
    expect(table).toBeInstanceOf(Uint8Array);
    expect(table.buffer.byteLength).toBe(10 * 1024 * 1024);
  });

  it('keeps the newest `retain` checkpoints, and a new storage over the same directory (a restart) sees the same latest', async () => {
    const dir = tempDir();
    const store = await open(dir, 'orders');
    for (let id = 1; id <= 5; id++) await store.write(realisticSnapshot(id, 1000), 2);
    // Small subtasks share one chunk, back to back.
    expect(chunkFiles(path.join(dir, 'job-orders', 'chk-5'))).toEqual(['chunk-0.bin']);
    const records = (JSON.parse(fs.readFileSync(path.join(dir, 'job-orders', 'chk-5', 'MANIFEST.json'), 'utf8')) as { chunks: { records: { uid: string; offset: number; bytes: number }[] }[] }).chunks[0].records;
    expect(records.map((r) => r.uid)).toEqual(['window-sum', 'window-sum', 'orders-source']);
    expect(records.map((r) => r.offset)).toEqual([0, records[0].bytes, records[0].bytes + records[1].bytes]);
    expect(checkpointDirs(path.join(dir, 'job-orders'))).toEqual(['chk-4', 'chk-5']);
    await store.write(realisticSnapshot(6, 1000), 1);
    expect(checkpointDirs(path.join(dir, 'job-orders'))).toEqual(['chk-6']);
    await store.close();

    const restarted = await open(dir, 'orders');
    expectSnapshot(await restarted.latest(), realisticSnapshot(6, 1000));
    await restarted.write(realisticSnapshot(7, 1000), 3);
    expect(checkpointDirs(path.join(dir, 'job-orders'))).toEqual(['chk-6', 'chk-7']);
  });

  it('finish() removes the checkpoints: the next run starts from nothing', async () => {
    const dir = tempDir();
    const store = await open(dir, 'orders');
    await store.write(tagged(1, 'a'), 3);
    await store.write(tagged(2, 'b'), 3);
    await store.finish();
    expect(checkpointDirs(path.join(dir, 'job-orders'))).toEqual([]);
    expect(await store.latest()).toBeNull();
    await store.close();
    await expect(store.latest()).rejects.toThrow(`file system at ${dir}: job "orders": latest() after close()`);
    expect(await (await open(dir, 'orders')).latest()).toBeNull();
  });

  it('skips a checkpoint with a flipped byte, a truncated chunk, a missing or garbage manifest, and falls back to the next older', async () => {
    const dir = tempDir();
    const jobDir = path.join(dir, 'job-orders');
    const store = await open(dir, 'orders');
    for (let id = 1; id <= 6; id++) await store.write(realisticSnapshot(id, 100_000), 10);
    const chunk = (id: number): string => path.join(jobDir, `chk-${id}`, 'chunk-0.bin');
    const manifest = (id: number): string => path.join(jobDir, `chk-${id}`, 'MANIFEST.json');
    expect((await store.latest())!.checkpointId).toBe(6);

    const flipped = fs.readFileSync(chunk(6));
    flipped[flipped.length >> 1] ^= 0x01;
    fs.writeFileSync(chunk(6), flipped);
    expect((await store.latest())!.checkpointId).toBe(5);

    fs.truncateSync(chunk(5), fs.statSync(chunk(5)).size - 1);
    expect((await store.latest())!.checkpointId).toBe(4);

    fs.rmSync(manifest(4));
    expect((await store.latest())!.checkpointId).toBe(3);

    fs.writeFileSync(manifest(3), '{"format":1,"checkpointId":3,"chunks":[{"fi');
    expect((await store.latest())!.checkpointId).toBe(2);

    // Valid JSON of the wrong shape, and a chunk that points outside the manifest's directory.
    const good = JSON.parse(fs.readFileSync(manifest(2), 'utf8')) as { chunks: { file: string }[] };
    good.chunks[0].file = '../chk-1/chunk-0.bin';
    fs.writeFileSync(manifest(2), JSON.stringify(good));
    expectSnapshot(await store.latest(), realisticSnapshot(1, 100_000));

    // From a fresh storage too: nothing is remembered from the writes.
    await store.close();
    expectSnapshot(await (await open(dir, 'orders')).latest(), realisticSnapshot(1, 100_000));
  });

  it('writes over the debris of damaged checkpoints, but never under a complete one: ids only grow', async () => {
    const dir = tempDir();
    const jobDir = path.join(dir, 'job-orders');
    const store = await open(dir, 'orders');
    await store.write(tagged(1, 'one'), 5);
    await store.write(tagged(2, 'two'), 5);
    await store.write(tagged(3, 'three'), 5);
    fs.rmSync(path.join(jobDir, 'chk-3', 'MANIFEST.json'));
    fs.writeFileSync(path.join(jobDir, 'chk-2', 'chunk-0.bin'), 'garbage');
    expect(await store.latest()).toStrictEqual(tagged(1, 'one'));

    await store.write(tagged(2, 'two again'), 5);
    expect(checkpointDirs(jobDir)).toEqual(['chk-1', 'chk-2']);
    expect(await store.latest()).toStrictEqual(tagged(2, 'two again'));

    await expect(store.write(tagged(2, 'once more'), 5)).rejects.toThrow(
      `file system at ${dir}: job "orders": checkpoint 2 was not written: checkpoint 2 is already stored and ids must grow. Fix: number checkpoints on from the one latest() returns`,
    );
    await expect(store.write(tagged(1, 'older'), 5)).rejects.toThrow('checkpoint 1 was not written: checkpoint 2 is already stored and ids must grow');
    expect(await store.latest()).toStrictEqual(tagged(2, 'two again'));
  });

  it('rejects state it cannot serialize, naming the operator subtask, and writes nothing', async () => {
    const dir = tempDir();
    const store = await open(dir, 'orders');
    await store.write(tagged(1, 'one'), 5);
    const bad: JobSnapshot = { checkpointId: 2, subtasks: [tagged(2, 'x').subtasks[0], { ...tagged(2, 'y').subtasks[0], uid: 'enricher', subtaskIndex: 3, operator: [{ name: 'f', mode: 'split', items: [() => 1] }] }] };
    await expect(store.write(bad, 5)).rejects.toThrow(`file system at ${dir}: job "orders": checkpoint 2 was not written: the state of operator "enricher" subtask 3 cannot be serialized: `);
    expect(checkpointDirs(path.join(dir, 'job-orders'))).toEqual(['chk-1']);
    await expect(store.write(tagged(2, 'two'), 0)).rejects.toThrow('write(checkpoint 2, retain 0): retain must be an integer of at least 1');
  });

  it('a write that fails mid-way (a real EFBIG, under a file size limit) rejects naming the storage, checkpoint, file and cause, and leaves the older checkpoint readable', async () => {
    const dir = tempDir();
    const jobDir = path.join(dir, 'job-orders');
    // 4096 blocks is 2 or 4 MB depending on the shell: above checkpoint 1's chunks, below a 10 MB table.
    const child = startChild(['fill', dir, 'orders'], 4096);
    const line = await child.waitFor(/^\{"failure"/);
    await child.exited;
    expect(child.process.exitCode).toBe(0);
    expect((JSON.parse(line) as { failure: string }).failure).toBe(
      `file system at ${dir}: job "orders": checkpoint 2 was not written: ${jobDir}/chk-2/chunk-1.bin: EFBIG: file too large, write. The checkpoints written before it are unchanged`,
    );
    expect(checkpointDirs(jobDir)).toEqual(['chk-1']);
    expect(fs.existsSync(path.join(jobDir, 'LOCK'))).toBe(false);
    expectSnapshot(await (await open(dir, 'orders')).latest(), realisticSnapshot(1, 1024));
  });

  it('gives each job name a directory of its own, also names that differ only in case or in what a file name cannot hold', async () => {
    const dir = tempDir();
    const names = ['orders', 'Orders', 'ORDERS', 'a/b', 'a%2fb', 'a^b', '..', '.', '', 'con', 'über ✓', 'x'.repeat(300), `${'x'.repeat(299)}y`];
    for (const [i, name] of names.entries()) await (await open(dir, name)).write(tagged(i, name), 1);
    const entries = fs.readdirSync(dir);
    expect(entries).toHaveLength(names.length);
    // Lower case only (case-insensitive file systems), no separators or dots, within file name limits.
    for (const entry of entries) expect(entry).toMatch(/^job-[a-z0-9_^%~-]{0,220}$/);
    for (const store of stores.splice(0)) await store.close();
    for (const [i, name] of names.entries()) expect(await (await open(dir, name)).latest()).toStrictEqual(tagged(i, name));
  });

  describe('one owner per job', () => {
    it('refuses a second open in the same process, through any storage over the directory, until the first closes', async () => {
      const dir = tempDir();
      const jobDir = path.join(dir, 'job-orders');
      const first = await open(dir, 'orders');
      const { pid, time } = lockOf(jobDir);
      expect(pid).toBe(process.pid);
      const message = heldMessage('orders', dir, process.pid, time);
      await expect(new FileSystemCheckpointStorage(dir).open('orders')).rejects.toThrow(message);
      await expect(new FileSystemCheckpointStorage(`${dir}/.`).open('orders')).rejects.toThrow(`the checkpoints of job "orders" at ${dir}/. are held by process ${process.pid} (since ${time})`);
      // Another job in the same directory is free.
      await open(dir, 'payments');

      await first.close();
      expect(fs.existsSync(path.join(jobDir, 'LOCK'))).toBe(false);
      await open(dir, 'orders');
      expect(lockOf(jobDir).pid).toBe(process.pid);
    });

    it('refuses while another live process holds the job, and takes the lock over once that process is killed, resuming from what it wrote', async () => {
      const dir = tempDir();
      const jobDir = path.join(dir, 'job-orders');
      const child = startChild(['hold', dir, 'orders']);
      await child.waitFor(/^ready$/);
      const { pid, time } = lockOf(jobDir);
      expect(pid).toBe(child.process.pid);
      await expect(new FileSystemCheckpointStorage(dir).open('orders')).rejects.toThrow(heldMessage('orders', dir, pid, time));

      await kill(child);
      const store = await open(dir, 'orders');
      expect(lockOf(jobDir).pid).toBe(process.pid);
      expectSnapshot(await store.latest(), realisticSnapshot(7, 1024));
      expect(fs.readdirSync(jobDir).filter((name) => name.startsWith('LOCK'))).toEqual(['LOCK']);
    });

    it('takes over a lock left by an earlier process with this same pid (a restarted container), or an unreadable one', async () => {
      const dir = tempDir();
      const jobDir = path.join(dir, 'job-orders');
      fs.mkdirSync(jobDir, { recursive: true });
      fs.writeFileSync(path.join(jobDir, 'LOCK'), JSON.stringify({ pid: process.pid, host: os.hostname(), time: '2020-01-01T00:00:00.000Z', started: Date.parse('2020-01-01') }));
      await (await open(dir, 'orders')).close();
      fs.writeFileSync(path.join(jobDir, 'LOCK'), '');
      await open(dir, 'orders');
      expect(lockOf(jobDir).pid).toBe(process.pid);
    });
  });

  it('after a kill at a random moment of a write loop, latest() is a complete checkpoint the killed process wrote', { timeout: 120_000 }, async () => {
    const random = mulberry32(20240611);
    for (let run = 0; run < 5; run++) {
      const dir = tempDir();
      const jobDir = path.join(dir, 'job-orders');
      const child = startChild(['loop', dir, 'orders', '6']);
      await child.waitFor(/^done 1$/);
      await new Promise((resolve) => setTimeout(resolve, random() * 400));
      await kill(child);
      const done = child.lines.filter((line) => line.startsWith('done ')).map((line) => Number(line.slice(5)));
      const lastDone = Math.max(...done);
      const latest = await (await open(dir, 'orders')).latest();
      expect(lockOf(jobDir).pid).toBe(process.pid);
      // The manifest of the write in flight may have landed before the child could say so.
      expect([lastDone, lastDone + 1]).toContain(latest!.checkpointId);
      expectSnapshot(latest, realisticSnapshot(latest!.checkpointId, 6 * 1024 * 1024));
    }
  });
});
