// Responsiveness probes (issue 15, "Instant app"), always on and cheap (a few numbers, no text):
// - when the composer first accepts a keystroke (the draft is restored and its field is live), told
//   once to Rust, which prints the wall-clock time for bench/app.sh;
// - for every keystroke: the time from when the page first sees the key (capture phase) to the
//   end of its input handlers ("handled") and to the first frame after it ("painted": a frame
//   callback, then a message posted from it, which runs once that frame is out);
// - the longest gap between two frames while typing (a main-thread stall the person would feel).
// WebDriver reads them from `window.__postbridgeProbe` (tests/probes.rs). Nothing here changes
// what the page does.
import { commands } from "../ipc";

export interface ProbeData {
  /** `performance.now()` when the composer became interactive. */
  interactiveAt: number | null;
  /** Per keystroke that changed text, ms from the key event to the end of the `input` handlers. */
  handled: number[];
  /** Per keystroke, ms from the key event to the first frame painted after it. */
  painted: number[];
  /** The longest gap between two frames while typing, ms. */
  maxFrameGap: number;
}

const MAX_SAMPLES = 5000;
/** Frames are watched for this long after the last keystroke. */
const WATCH_MS = 1000;

export const probe: ProbeData = { interactiveAt: null, handled: [], painted: [], maxFrameGap: 0 };

function push(list: number[], v: number): void {
  if (list.length < MAX_SAMPLES) list.push(Math.round(v * 10) / 10);
}

let watchingUntil = 0;
let lastFrame: number | null = null;

function frame(now: number): void {
  if (lastFrame !== null) probe.maxFrameGap = Math.max(probe.maxFrameGap, now - lastFrame);
  lastFrame = now;
  if (now < watchingUntil) requestAnimationFrame(frame);
  else lastFrame = null;
}

/** The key event that the next `input` event comes from. */
let keyStart: number | null = null;

/** Keys that never change text or the page on their own. */
const MODIFIERS = new Set(["Shift", "Control", "Alt", "Meta", "AltGraph", "CapsLock"]);

function onKey(ev: KeyboardEvent): void {
  if (MODIFIERS.has(ev.key)) return;
  // WebKitGTK's event timeStamp is not on performance.now()'s clock, so the start is when the
  // page first sees the key (capture phase, first listener); a stall before that shows up as a
  // frame gap instead.
  const start = performance.now();
  keyStart = start;
  const after = new MessageChannel();
  after.port1.onmessage = () => push(probe.painted, performance.now() - start);
  requestAnimationFrame(() => after.port2.postMessage(null));
  const wasWatching = performance.now() < watchingUntil;
  watchingUntil = performance.now() + WATCH_MS;
  if (!wasWatching) requestAnimationFrame(frame);
}

/** The text changed: on the window, in the bubbling phase, after the field's own handlers. */
function onInput(): void {
  if (keyStart === null) return;
  push(probe.handled, performance.now() - keyStart);
  keyStart = null;
}

/** Starts the keystroke probes (once, at start-up). */
export function startProbes(): void {
  window.addEventListener("keydown", onKey, { capture: true });
  window.addEventListener("input", onInput);
  (window as unknown as { __postbridgeProbe: ProbeData }).__postbridgeProbe = probe;
}

/** The composer accepts keystrokes: noted once and told to Rust. */
export function markInteractive(): void {
  if (probe.interactiveAt !== null) return;
  probe.interactiveAt = performance.now();
  // A probe never breaks the page: a failed (or, in unit tests, absent) command is ignored.
  try {
    commands.probeInteractive().catch(() => undefined);
  } catch {
    /* ignored */
  }
}
