/** A FIFO queue with O(1) shift (arrays' shift() is O(n) for long queues). */
export class Deque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Moves every item of `front` ahead of this queue's, in their order, leaving `front` empty. */
  prependAll(front: Deque<T>): void {
    if (front.length === 0) return;
    this.items = [...front.items.slice(front.head), ...this.items.slice(this.head)];
    this.head = 0;
    front.items = [];
    front.head = 0;
  }
}
