/**
 * Resuming after a killed process: a child process runs a job that checkpoints to the file
 * system and is killed (SIGKILL) after some checkpoints; the same job run again resumes from
 * the last complete one, and its exactly-once file sink ends holding every result once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RECORDS, resumableJob } from './fixtures/resumable_job.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fixture = fileURLToPath(new URL('./fixtures/resumable_job.ts', import.meta.url));

function lines(dir: string): string[] {
  return readdirSync(dir).filter((f) => !f.startsWith('.')).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l !== '')).sort();
}

/** Runs the job in a child process and kills it once it reports `checkpoints` complete checkpoints. */
function runAndKill(checkpoints: string, output: string, after: number): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, checkpoints, output, '1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = 0;
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`the child saw ${seen} checkpoints in 60 s: ${stderr}`)); }, 60_000);
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.stdout.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (line.startsWith('checkpoint ')) seen = Number(line.slice(11));
        if (line === 'finished') fail(new Error('the child finished before it was killed'));
      }
      if (seen >= after && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') done(seen);
      else fail(new Error(`the child exited by itself (${_code}): ${stderr}`));
    });
  });
}

describe('a job whose process was killed', () => {
  it('resumes from its last complete checkpoint when run again, and its file sink holds every result once', async () => {
    const work = mkdtempSync(join(tmpdir(), 'eddy-resume-'));
    try {
      const straightOut = join(work, 'straight');
      await resumableJob(join(work, 'straight-checkpoints'), straightOut, false).execute('straight');
      const expected = lines(straightOut);
      expect(expected).toHaveLength(RECORDS);

      const checkpoints = join(work, 'checkpoints');
      const output = join(work, 'out');
      const killedAfter = await runAndKill(checkpoints, output, 3);
      expect(killedAfter).toBeGreaterThanOrEqual(3);
      const resumed = await resumableJob(checkpoints, output, false).execute('resumable');
      expect(resumed.restoredFrom).toBeGreaterThanOrEqual(3);
      expect(lines(output)).toEqual(expected);
      expect(readdirSync(output).filter((f) => f.endsWith('.inprogress'))).toEqual([]);
      // It finished: the next run of the job starts empty.
      const again = await resumableJob(checkpoints, join(work, 'again'), false).execute('resumable');
      expect(again.restoredFrom).toBe(null);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
