// The composer's live preview (issue 14 item 2): the draft laid out as X shows a post — the
// reply context, each part's text with its links shortened as X displays them, 1–4 images in
// X's grid with their crops and ALT badges, a GIF or video tile, a poll, and the line that
// joins the parts of a thread. Built from the draft's view only (thumbnails are data URLs
// made in Rust; no path reaches the page). Typing updates one part's text in place
// (`setText`), so the preview never rebuilds images while the person types.
import twitter from "twitter-text";
import type { AccountStatus, DraftView } from "../ipc";
import { h } from "../lib/dom";

type Media = DraftView["parts"][number]["media"][number];

/** Longest link text shown before it is cut with "…" (X shows a link's display form, cut). */
export const LINK_SHOWN = 25;

/** How X shows a link: without `http(s)://` and `www.`, cut to {@link LINK_SHOWN} characters. */
export function displayUrl(url: string): string {
  const bare = url.replace(/^https?:\/\//i, "").replace(/^www\./i, "");
  return bare.length > LINK_SHOWN ? `${bare.slice(0, LINK_SHOWN - 1)}…` : bare;
}

/** `text` as X shows it: plain runs, and each link (bare domains too, by twitter-text's own
 * extraction) as its display form. */
export function previewText(text: string): HTMLElement {
  const el = h("p", { className: "preview-text" });
  let at = 0;
  for (const u of twitter.extractUrlsWithIndices(text)) {
    const [start, end] = u.indices;
    if (start > at) el.append(text.slice(at, start));
    el.append(h("span", { className: "preview-link", title: u.url }, displayUrl(u.url)));
    at = end;
  }
  if (at < text.length) el.append(text.slice(at));
  return el;
}

/** `m:ss` (or `h:mm:ss`), as X's player shows a duration. */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, "0");
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

/** One media cell: the thumbnail cropped to the cell, or a tile for a video; its badges. */
function cell(m: Media): HTMLElement {
  const badges = h("span", { className: "preview-badges" },
    m.kind === "gif" ? h("span", { className: "preview-badge" }, "GIF") : null,
    m.alt ? h("span", { className: "preview-badge alt-badge", title: m.alt }, "ALT") : null);
  const picture = m.thumb
    ? h("img", { src: m.thumb, alt: m.alt ?? "" })
    : h("div", { className: "preview-video" }, h("span", { "aria-hidden": "true" }, "▶"), ` ${m.kind === "video" ? "Video" : m.kind.toUpperCase()} · ${(m.size / (1024 * 1024)).toFixed(1)} MB`);
  // A video as X shows it: a play button in the middle and its duration in a corner.
  const video = m.kind === "video"
    ? [
        h("span", { className: "preview-play", "aria-hidden": "true" }, "▶"),
        m.durationMs !== null ? h("span", { className: "preview-duration", "aria-label": `Duration ${clock(m.durationMs)}` }, clock(m.durationMs)) : null,
      ]
    : [];
  return h("div", { className: `preview-cell${m.kind === "video" ? " is-video" : ""}` }, picture, badges, ...video);
}

/** Media in X's layouts: one alone; two side by side; three as one tall and two stacked; four
 * in a 2×2 grid. `data-count` carries the layout for the stylesheet. */
export function previewMedia(media: Media[]): HTMLElement | null {
  if (media.length === 0) return null;
  const n = Math.min(media.length, 4);
  return h("div", { className: `preview-media`, "data-count": String(n) }, ...media.slice(0, 4).map(cell));
}

function previewPoll(poll: NonNullable<DraftView["poll"]>): HTMLElement {
  const days = poll.durationMinutes / 1440;
  const left = days >= 1 ? `${Math.round(days)} day${Math.round(days) === 1 ? "" : "s"}` : poll.durationMinutes >= 60 ? `${Math.round(poll.durationMinutes / 60)} hours` : `${poll.durationMinutes} minutes`;
  return h("div", { className: "preview-poll" },
    ...poll.options.map((o) => h("div", { className: "preview-option" }, o)),
    h("p", { className: "muted" }, `0 votes · ${left} left`));
}

export interface Preview {
  /** The preview's element. */
  el: HTMLElement;
  /** Shows `text` as part `i`'s text (while typing, before it is saved). */
  setText: (i: number, text: string) => void;
}

/** The preview of draft `d`, posted as `account`. */
export function renderPreview(d: DraftView, account: AccountStatus | undefined): Preview {
  const handle = account?.username ? `@${account.username}` : account?.name ?? "you";
  const initial = (account?.username ?? account?.name ?? "?").charAt(0).toUpperCase();
  const texts: HTMLElement[] = [];
  const posts = d.parts.map((p, i) => {
    const text = previewText(p.text);
    texts.push(text);
    const hasNext = i < d.parts.length - 1;
    return h("article", { className: `preview-post${hasNext ? " has-next" : ""}`, "aria-label": d.parts.length > 1 ? `Part ${i + 1} of ${d.parts.length}` : "Post" },
      h("div", { className: "preview-avatar", "aria-hidden": "true" }, initial),
      h("div", { className: "preview-body" },
        h("div", { className: "preview-head" }, h("strong", {}, account?.name ?? handle), h("span", { className: "muted" }, ` ${handle}`)),
        i === 0 && d.replyTo ? h("p", { className: "preview-reply muted" }, `Replying to post ${d.replyTo}`) : null,
        text,
        previewMedia(p.media),
        i === 0 && d.poll ? previewPoll(d.poll) : null));
  });
  const el = h("section", { id: "preview", "aria-label": "Preview as X shows it" },
    h("h3", {}, "Preview"),
    ...posts);
  return {
    el,
    setText: (i, text) => {
      const old = texts[i];
      if (old === undefined) return;
      const fresh = previewText(text);
      old.replaceWith(fresh);
      texts[i] = fresh;
    },
  };
}
