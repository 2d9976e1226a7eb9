/** A tiny typed event emitter for view parts; a throwing listener never stops the others. */
import type { ViewEventName, ViewEvents } from "./part.js";

type Listener<K extends ViewEventName> = (value: ViewEvents[K]) => void;

export class ViewEmitter {
  private readonly listeners = new Map<ViewEventName, Set<Listener<ViewEventName>>>();

  on<K extends ViewEventName>(name: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const entry = fn as Listener<ViewEventName>;
    set.add(entry);
    return () => set.delete(entry);
  }

  emit<K extends ViewEventName>(name: K, value: ViewEvents[K]): void {
    for (const fn of [...(this.listeners.get(name) ?? [])]) {
      try {
        (fn as Listener<K>)(value);
      } catch (err) {
        console.warn(`napari-cuda: a ${name} listener failed`, err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
