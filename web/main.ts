import { runDemo, runDemoInWorkers } from './demo.ts';
import type { DemoView } from './demo.ts';

const buttons = [...document.querySelectorAll<HTMLButtonElement>('button')];
const status = document.querySelector<HTMLDivElement>('#status')!;
const table = document.querySelector<HTMLTableElement>('#top')!;

const view: DemoView = {
  status: (text) => { status.textContent = text; },
  top: (rows) => {
    table.tBodies[0].replaceChildren(...rows.map(([id, name, total]) => {
      const tr = document.createElement('tr');
      for (const [text, cls] of [[String(id), ''], [name ?? '(no name yet)', ''], [total.toLocaleString('en-US'), 'num']]) {
        const td = document.createElement('td');
        td.textContent = text;
        if (cls !== '') td.className = cls;
        tr.append(td);
      }
      return tr;
    }));
    table.hidden = false;
  },
};

function runWith(run: (view: DemoView) => Promise<unknown>): void {
  for (const b of buttons) b.disabled = true;
  run(view)
    .catch((error: unknown) => { status.textContent = `Failed: ${String(error)}`; })
    .finally(() => { for (const b of buttons) b.disabled = false; });
}

document.querySelector('#run')!.addEventListener('click', () => runWith(runDemo));
document.querySelector('#run-workers')!.addEventListener('click', () => runWith(runDemoInWorkers));
