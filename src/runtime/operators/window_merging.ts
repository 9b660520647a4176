/**
 * The in-flight windows of one key under a merging assigner (Flink's MergingWindowSet): each
 * window maps to its state window, the namespace its contents live in. When windows merge, one
 * of the merged windows' state windows keeps the contents and the others are folded into it, so
 * a growing session never moves its state.
 */
import type { MergingWindowAssigner } from '../../core/windowing/assigners.ts';
import { windowNamespace, windowOfNamespace } from '../../core/windowing/windows.ts';
import type { Window } from '../../core/windowing/windows.ts';

/** (merge result, merged windows without the new one, the result's state window, the state windows folded into it). */
export type MergeFunction = (mergeResult: Window, mergedWindows: Window[], stateWindowResult: string, mergedStateWindows: string[]) => void;

export class MergingWindowSet {
  /** Window namespace -> state window namespace, in the order windows came. */
  readonly #windows: Map<string, string>;
  readonly #assigner: MergingWindowAssigner<unknown, Window>;

  constructor(assigner: MergingWindowAssigner<unknown, Window>, persisted: readonly (readonly [string, string])[] | null) {
    this.#assigner = assigner;
    this.#windows = new Map(persisted ?? []);
  }

  getStateWindow(window: Window): string | undefined {
    return this.#windows.get(windowNamespace(window));
  }

  retireWindow(window: Window): void {
    if (!this.#windows.delete(windowNamespace(window))) throw new Error(`internal: window ${String(window)} is not in the in-flight window set`);
  }

  /**
   * Adds a window, merging it with those it overlaps or touches; returns the window it ended up
   * in (itself, when nothing merged). `merge` is told of each merge of existing windows.
   */
  addWindow(newWindow: Window, merge: MergeFunction): Window {
    const newNs = windowNamespace(newWindow);
    const all = [...this.#windows.keys()].map(windowOfNamespace);
    all.push(newWindow);
    const results: [Window, Window[]][] = [];
    this.#assigner.mergeWindows(all, (toBeMerged, mergeResult) => results.push([mergeResult, [...toBeMerged]]));
    let resultWindow = newWindow;
    let mergedNewWindow = false;
    for (const [mergeResult, group] of results) {
      const at = group.findIndex((w) => windowNamespace(w) === newNs);
      // The new window has no state of its own: it is never among the windows merged away.
      const mergedWindows = at >= 0 && !mergedNewWindow ? group.filter((_, i) => i !== at) : group;
      if (at >= 0 && !mergedNewWindow) {
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      const mergedStateWindow = this.#windows.get(windowNamespace(mergedWindows[0]))!;
      const mergedStateWindows: string[] = [];
      for (const w of mergedWindows) {
        const ns = windowNamespace(w);
        const state = this.#windows.get(ns);
        if (state !== undefined) {
          this.#windows.delete(ns);
          mergedStateWindows.push(state);
        }
      }
      const resultNs = windowNamespace(mergeResult);
      this.#windows.set(resultNs, mergedStateWindow);
      const folded = mergedStateWindows.filter((s) => s !== mergedStateWindow);
      // Merging one existing window into itself, without growing it, is no merge.
      if (!(mergedWindows.length === 1 && windowNamespace(mergedWindows[0]) === resultNs)) {
        merge(mergeResult, mergedWindows, mergedStateWindow, folded);
      }
    }
    if (results.length === 0 || (windowNamespace(resultWindow) === newNs && !mergedNewWindow)) this.#windows.set(newNs, newNs);
    return resultWindow;
  }

  persist(): [string, string][] {
    return [...this.#windows];
  }

  get size(): number {
    return this.#windows.size;
  }
}
