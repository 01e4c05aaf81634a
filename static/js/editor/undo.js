// Undo / redo of the user's own changes, as inverse element ops sent to the server: an undo is a
// new revision that co-editors see. Each step remembers what its elements looked like right
// after it; if someone changed one of them since, the undo (or redo) is refused, not applied
// blindly.

export class UndoStack {
  // snapshot(key) -> JSON text of the element now (or "null"); send(ops) -> write result
  constructor({ snapshot, send, onChange }) {
    this.snapshot = snapshot;
    this.send = send;
    this.onChange = onChange || (() => {});
    this.done = [];
    this.undone = [];
    this.busy = false;
  }

  // After a successful write of `ops` whose inverse is `inverse`, touching elements `keys`.
  record({ label, ops, inverse, keys }) {
    if (!inverse || !inverse.length) return;
    this.done.push({ label, forward: ops, backward: inverse, keys, after: this.take(keys) });
    if (this.done.length > 100) this.done.shift();
    this.undone = [];
    this.onChange(this);
  }

  take(keys) { return keys.map((k) => this.snapshot(k)); }

  changedSince(step) {
    const now = this.take(step.keys);
    return step.keys.filter((_, i) => now[i] !== step.after[i]);
  }

  async undo() { return this.step(this.done, this.undone, "backward", "Undo"); }
  async redo() { return this.step(this.undone, this.done, "forward", "Redo"); }

  // Returns {ok, message}.
  async step(from, to, direction, verb) {
    if (this.busy) return { ok: false, message: `${verb} is already running.` };
    const step = from[from.length - 1];
    if (!step) return { ok: false, message: `Nothing to ${verb.toLowerCase()}.` };
    const changed = this.changedSince(step);
    if (changed.length) {
      from.pop();
      this.onChange(this);
      const what = changed.map((k) => k.split(":").slice(1).join(":")).join(", ");
      return { ok: false, message: `Cannot ${verb.toLowerCase()} “${step.label}”: ${what} changed since (someone else edited it). Nothing was changed.` };
    }
    this.busy = true;
    try {
      await this.send(step[direction]);
    } catch (e) {
      return { ok: false, message: `Cannot ${verb.toLowerCase()} “${step.label}”: ${e.errors?.[0]?.message || e.message}` };
    } finally {
      this.busy = false;
    }
    from.pop();
    to.push({ ...step, after: this.take(step.keys) });
    this.onChange(this);
    return { ok: true, message: `${verb}: ${step.label}.`, keys: step.keys };
  }
}
