// The composer's unsaved text: which parts' latest text Rust has not saved, and why. While any
// is unsaved the composer shows a persistent "Not saved — <reason>. Retrying…" and retries;
// the message clears once a save of every such part has succeeded.

/** Parts whose latest text failed to save (saves reach Rust in typing order, so a later
 * success for a part means its latest text is saved). */
export class UnsavedText {
  private readonly parts = new Map<number, string>();
  private reason: string | null = null;

  /** A save of `value` into part `part` failed because of `reason`. */
  failed(part: number, value: string, reason: string): void {
    this.parts.set(part, value);
    this.reason = reason;
  }

  /** A save into part `part` succeeded. */
  saved(part: number): void {
    this.parts.delete(part);
    if (this.parts.size === 0) this.reason = null;
  }

  /** Part `part` no longer exists: there is nothing left to save there. */
  forget(part: number): void {
    this.saved(part);
  }

  /** Whether some text is not saved. */
  get failing(): boolean {
    return this.parts.size > 0;
  }

  /** The unsaved text of part `part`, if any (what the screen must keep showing). */
  valueOf(part: number): string | undefined {
    return this.parts.get(part);
  }

  /** The unsaved parts and their text, to save again. */
  entries(): [number, string][] {
    return [...this.parts.entries()];
  }

  /** What the composer shows, or `null` when everything is saved. */
  message(): string | null {
    if (this.reason === null) return null;
    const reason = this.reason.trim().replace(/[.\s]+$/, "");
    return `Not saved — ${reason}. Retrying…`;
  }
}
