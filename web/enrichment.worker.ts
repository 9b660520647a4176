// The workers' entry for the demo's job: importing the job here lets the bundler build it into
// the worker script (a job module passed by URL only works under vite's dev server).
import { serveJob } from '../src/index.ts';
import job from './enrichment_job.ts';

await serveJob(job);
