import { runDemo } from './demo.ts';

const button = document.querySelector<HTMLButtonElement>('#run')!;
const status = document.querySelector<HTMLDivElement>('#status')!;
const table = document.querySelector<HTMLTableElement>('#top')!;

button.addEventListener('click', () => {
  button.disabled = true;
  void runDemo({
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
  }).catch((error: unknown) => { status.textContent = `Failed: ${String(error)}`; })
    .finally(() => { button.disabled = false; });
});
