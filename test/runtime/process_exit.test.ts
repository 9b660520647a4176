// A Node process that ran a job exits once its code is done: the engine leaves no timer behind.
// The executor used to sleep on timers it never cleared (a checkpoint's timeout, minutes away; a
// processing-time timer, an hour away here), so a process lived on that long after its job.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/exit_after_job.ts', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));

describe('a process that ran a job', () => {
  it.each(['cancelled while checkpointing', 'finished with a timer an hour ahead'])('exits on its own when the job was %s', async (mode) => {
    // Far below what a leftover timer holds the process for (10 minutes, an hour), far above a start under load.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, mode], { cwd: repo, timeout: 90_000, killSignal: 'SIGKILL' });
    expect(stdout.trim()).toBe('done');
  }, 120_000);
});
