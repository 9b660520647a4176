import type { RuntimeContext, TwoPhaseCommitSink } from '../core/functions.ts';

/** One finished part file: written as `from`, made visible by renaming it to `to`. */
export interface FilePartCommittable {
  readonly from: string;
  readonly to: string;
}

type Fs = typeof import('node:fs');

/** node:fs, loaded synchronously (the sink's methods are synchronous); Node, Deno and Bun have it, browsers do not. */
function nodeFs(): Fs {
  const proc = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as Fs | undefined;
  if (fs === undefined) throw new Error('FileSink writes files with node:fs, which this runtime does not have (a browser page). Fix: in a page, write to IndexedDB or send the records to a server');
  return fs;
}

/**
 * Writes a stream to files, exactly once with checkpoints (Flink's FileSink, row format): each
 * subtask appends records as lines to a hidden in-progress part file; at a checkpoint the part
 * is closed and synced, and once the checkpoint is durable it is renamed to its final name,
 * `part-<subtask>-<n>`. After a restore, parts the restored checkpoint held are committed (again:
 * a rename already done is skipped), and parts written after it are deleted, so every record is
 * in the visible files exactly once. Node, Deno and Bun.
 */
export class FileSink<T> implements TwoPhaseCommitSink<T, FilePartCommittable> {
  readonly directory: string;
  private readonly encode: (value: T) => string;
  private subtask = 0;
  private next = 0;
  private fd: number | null = null;
  private current: string | null = null;
  private fs: Fs | null = null;

  constructor(directory: string, encode: (value: T) => string = (value) => (typeof value === 'string' ? value : JSON.stringify(value))) {
    if (typeof directory !== 'string' || directory.length === 0) throw new Error('new FileSink(directory): expected the path of a directory to write part files into');
    this.directory = directory;
    this.encode = encode;
  }

  open(context: RuntimeContext): void {
    this.subtask = context.getIndexOfThisSubtask();
    this.files().mkdirSync(this.directory, { recursive: true });
    this.next = Math.max(this.next, this.highestPart() + 1);
  }

  write(value: T): void {
    const fs = this.files();
    if (this.fd === null) {
      this.current = `${this.directory}/.part-${this.subtask}-${this.next++}.inprogress`;
      this.fd = fs.openSync(this.current, 'w');
    }
    fs.writeSync(this.fd, `${this.encode(value)}\n`);
  }

  prepareCommit(): FilePartCommittable[] {
    if (this.fd === null || this.current === null) return [];
    const fs = this.files();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    const from = this.current;
    this.fd = null;
    this.current = null;
    return [{ from, to: from.replace(/\/\.(part-\d+-\d+)\.inprogress$/, '/$1') }];
  }

  commit(committables: FilePartCommittable[]): void {
    const fs = this.files();
    for (const { from, to } of committables) {
      if (fs.existsSync(from)) fs.renameSync(from, to);
      else if (!fs.existsSync(to)) throw new Error(`FileSink: part file ${from} is gone before it was committed, and ${to} does not exist; the records in it are lost. Was the directory cleaned while the job ran?`);
    }
  }

  /** Deletes this subtask's parts written after the restored checkpoint (never pre-committed there). */
  recover(committed: FilePartCommittable[]): void {
    const fs = this.files();
    fs.mkdirSync(this.directory, { recursive: true });
    const keep = new Set(committed.map((c) => c.from));
    const mine = new RegExp(`^\\.part-${this.subtask}-\\d+\\.inprogress$`);
    for (const name of fs.readdirSync(this.directory)) {
      const path = `${this.directory}/${name}`;
      if (mine.test(name) && !keep.has(path)) fs.rmSync(path, { force: true });
    }
    this.next = Math.max(this.next, this.highestPart() + 1);
  }

  /** Closes the open part without committing it: only a checkpoint or the end of input commits. */
  close(): void {
    if (this.fd !== null) this.files().closeSync(this.fd);
    this.fd = null;
  }

  private files(): Fs {
    this.fs ??= nodeFs();
    return this.fs;
  }

  /** The highest part number this subtask has used in the directory, finished or not; -1 for none. */
  private highestPart(): number {
    let highest = -1;
    const pattern = new RegExp(`^\\.?part-${this.subtask}-(\\d+)(\\.inprogress)?$`);
    for (const name of this.files().readdirSync(this.directory)) {
      const match = pattern.exec(name);
      if (match !== null) highest = Math.max(highest, Number(match[1]));
    }
    return highest;
  }
}
