// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import type { AccountStatus, DraftView } from "../ipc";
import { clock, displayUrl, previewMedia, previewText, renderPreview } from "./preview";

type Part = DraftView["parts"][number];
type Media = Part["media"][number];
const image = (name: string, alt: string | null = null): Media => ({ name, kind: "image", mime: "image/png", size: 1000, width: 8, height: 8, alt, thumb: "data:image/png;base64,AA==", uploaded: false, fitted: null, refusal: null, subtitles: null, durationMs: null });
const part = (text: string, media: Media[] = []): Part => ({ text, status: "draft", postedId: null, media });
const draftOf = (parts: Part[]): DraftView => ({ id: "d1", account: "Work", parts, replyTo: null, replySettings: null, replyTarget: "none", poll: null, problems: [] });
const account: AccountStatus = { name: "Work", configured: true, username: "worker", accessLevel: "read-write", plan: null, sandbox: false, isDefault: true, uploadRoute: null, signIn: "oauth1" };

describe("links as X shows them", () => {
  it("drops the scheme and www., and cuts long links", () => {
    expect(displayUrl("https://www.example.com/a")).toBe("example.com/a");
    expect(displayUrl("https://example.com/a/very/long/path/to/something")).toBe("example.com/a/very/long/…");
  });

  it("finds links with and without a scheme, bare domains included, and keeps the rest", () => {
    const p = previewText("Read https://example.com/post and docs.rs\nthen reply");
    expect([...p.querySelectorAll(".preview-link")].map((l) => l.textContent)).toEqual(["example.com/post", "docs.rs"]);
    expect(p.textContent).toBe("Read example.com/post and docs.rs\nthen reply");
  });
});

describe("media in X's grid", () => {
  it("lays out 1 to 4 images, at most 4, with ALT badges where there is alt text", () => {
    expect(previewMedia([])).toBeNull();
    for (const n of [1, 2, 3, 4]) {
      const grid = previewMedia(Array.from({ length: n }, (_, k) => image(`${k}.png`, k === 0 ? "a cat" : null)))!;
      expect(grid.dataset["count"]).toBe(String(n));
      expect(grid.querySelectorAll(".preview-cell img").length).toBe(n);
      expect(grid.querySelectorAll(".alt-badge").length).toBe(1);
    }
  });

  it("shows a video as a tile with its size, and marks a GIF", () => {
    const video: Media = { ...image("clip.mp4"), kind: "video", mime: "video/mp4", thumb: null, size: 3 * 1024 * 1024 };
    expect(previewMedia([video])!.textContent).toContain("Video · 3.0 MB");
    const gif: Media = { ...image("loop.gif"), kind: "gif" };
    expect(previewMedia([gif])!.querySelector(".preview-badge")?.textContent).toBe("GIF");
  });

  it("shows a video as X does: a play button and its duration", () => {
    const video: Media = { ...image("clip.mp4"), kind: "video", mime: "video/mp4", thumb: null, size: 3 * 1024 * 1024, durationMs: 95_400 };
    const grid = previewMedia([video])!;
    expect(grid.querySelector(".preview-play")).not.toBeNull();
    expect(grid.querySelector(".preview-duration")?.textContent).toBe("1:35");
    expect(grid.querySelector(".preview-duration")?.getAttribute("aria-label")).toBe("Duration 1:35");
    // Unknown duration: the play button without a time; images get neither.
    expect(previewMedia([{ ...video, durationMs: null }])!.querySelector(".preview-duration")).toBeNull();
    expect(previewMedia([image("a.png")])!.querySelector(".preview-play")).toBeNull();
    expect(clock(3_725_000)).toBe("1:02:05");
    expect(clock(59_999)).toBe("0:59");
  });
});

describe("the preview of a draft", () => {
  it("joins a thread's parts, shows the reply context and the poll", () => {
    const d = { ...draftOf([part("One", [image("a.png")]), part("Two")]), replyTo: "1234567890", poll: { options: ["Yes", "No"], durationMinutes: 1440 } };
    const { el } = renderPreview(d, account);
    const posts = el.querySelectorAll("article.preview-post");
    expect(posts.length).toBe(2);
    expect(posts[0]!.classList.contains("has-next")).toBe(true);
    expect(posts[1]!.classList.contains("has-next")).toBe(false);
    expect(posts[0]!.querySelector(".preview-reply")?.textContent).toBe("Replying to post 1234567890");
    expect(posts[1]!.querySelector(".preview-reply")).toBeNull();
    expect([...el.querySelectorAll(".preview-option")].map((o) => o.textContent)).toEqual(["Yes", "No"]);
    expect(el.textContent).toContain("1 day left");
    expect(posts[0]!.querySelector(".preview-head")?.textContent).toBe("Work @worker");
  });

  it("updates one part's text in place, keeping the images", () => {
    const preview = renderPreview(draftOf([part("Before", [image("a.png")])]), account);
    const img = preview.el.querySelector("img");
    preview.setText(0, "After with example.org");
    expect(preview.el.querySelector(".preview-text")?.textContent).toBe("After with example.org");
    expect(preview.el.querySelector(".preview-link")?.textContent).toBe("example.org");
    expect(preview.el.querySelector("img")).toBe(img);
    preview.setText(5, "no such part");
  });
});
