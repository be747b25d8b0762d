// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";

const probeInteractive = vi.fn(() => Promise.resolve({ status: "ok", data: null }));
vi.mock("../ipc", () => ({ commands: { probeInteractive } }));

const { markInteractive, probe, startProbes } = await import("./probe");

describe("responsiveness probes", () => {
  afterEach(() => vi.clearAllMocks());

  it("tells Rust once when the composer becomes interactive", () => {
    markInteractive();
    markInteractive();
    expect(probeInteractive).toHaveBeenCalledTimes(1);
    expect(probe.interactiveAt).not.toBeNull();
  });

  it("times a keystroke to the end of its input handlers and to the next frame", async () => {
    startProbes();
    const field = document.createElement("textarea");
    document.body.append(field);
    field.dispatchEvent(new KeyboardEvent("keydown", { key: "a", bubbles: true }));
    field.dispatchEvent(new Event("input", { bubbles: true }));
    expect(probe.handled).toHaveLength(1);
    expect(probe.handled[0]).toBeGreaterThanOrEqual(0);
    // An input event without a key before it (a paste by menu) is not a keystroke.
    field.dispatchEvent(new Event("input", { bubbles: true }));
    expect(probe.handled).toHaveLength(1);
    // A modifier alone is not a keystroke.
    field.dispatchEvent(new KeyboardEvent("keydown", { key: "Shift", bubbles: true }));
    await vi.waitFor(() => expect(probe.painted).toHaveLength(1), { timeout: 2000 });
    expect((window as unknown as { __postbridgeProbe: unknown }).__postbridgeProbe).toBe(probe);
  });
});
