import { formatValue } from './types.ts';

/** A job failed inside an operator: which one, which subtask, on which record, and why. */
export class JobExecutionError extends Error {
  readonly operatorName: string;
  readonly operatorUid: string;
  readonly subtaskIndex: number;
  readonly record: unknown;

  constructor(operatorName: string, operatorUid: string, subtaskIndex: number, parallelism: number, record: { value: unknown } | null, cause: unknown) {
    // A negative subtask index: the failure belongs to no subtask of this operator (a keyBy runs in its producer).
    const where = subtaskIndex < 0 ? `Operator "${operatorName}" (uid ${operatorUid})` : `Operator "${operatorName}" (uid ${operatorUid}, subtask ${subtaskIndex + 1}/${parallelism})`;
    const what = record === null ? '' : ` on record ${formatValue(record.value)}`;
    super(`${where} failed${what}: ${cause instanceof Error ? cause.message : String(cause)}${copyLostPrivate(cause) ? PRIVATE_FIX : ''}`, { cause });
    this.name = 'JobExecutionError';
    this.operatorName = operatorName;
    this.operatorUid = operatorUid;
    this.subtaskIndex = subtaskIndex;
    this.record = record?.value;
  }
}

const PRIVATE_FIX = '. Each parallel subtask and each restart runs a shallow copy of the function object (Flink deserializes one per subtask), and JavaScript #private members do not survive a copy. Fix: declare them with TypeScript\'s `private` instead of #';

/** V8's, SpiderMonkey's and JavaScriptCore's words for a #private member used on an object that lacks it. */
function copyLostPrivate(cause: unknown): boolean {
  return cause instanceof TypeError && /private member|private field|Receiver must be an instance of class|can't access private/i.test(cause.message);
}

/** The job was cancelled before its end (Flink's JobCancellationException): it has no result. */
export class JobCancellationError extends Error {
  readonly jobName: string;

  constructor(jobName: string) {
    super(`Job "${jobName}" was cancelled before its end, so it has no result. The cancel() call resolves with what it did until then`);
    this.name = 'JobCancellationError';
    this.jobName = jobName;
  }
}
