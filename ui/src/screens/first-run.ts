// The first-run screen: who we are, the version, and whether credentials can be kept in the
// OS keychain. It only renders what `app_info` returned; it offers no button for a feature
// that does not exist yet.
import { errorText, type AppError, type AppInfo } from "../ipc";
import { h } from "../lib/dom";

/** Builds the first-run screen for `info` (or for the error that prevented reading it). */
export function renderFirstRun(result: { ok: AppInfo } | { err: AppError }): HTMLElement {
  const section = h(
    "section",
    { id: "first-run", "aria-labelledby": "first-run-title" },
    h("h1", { id: "first-run-title" }, "Welcome to Postbridge"),
    h(
      "p",
      { className: "intro" },
      "Post to X — text, images, GIFs, video and threads — with your keys kept in your operating system's keychain, never in a file.",
    ),
  );
  if ("err" in result) {
    section.append(statusCard("app-error", "error", "Postbridge could not check this computer", errorText(result.err)));
    return section;
  }

  const info = result.ok;
  section.append(
    h(
      "dl",
      { className: "facts" },
      h("dt", {}, "Version"),
      h("dd", { id: "version" }, info.version),
      h("dt", {}, "Platform"),
      h("dd", { id: "platform" }, `${info.platform} (${info.arch})`),
    ),
  );
  const k = info.keychain;
  section.append(
    k.status === "available"
      ? statusCard("keychain-status", "ok", "Keychain available", `Your credentials will be stored in ${k.service}.`)
      : statusCard("keychain-status", "error", "Keychain not available", `${k.reason} ${k.fix}`, `Missing: ${k.service}`),
  );
  return section;
}

function statusCard(id: string, tone: "ok" | "error", heading: string, body: string, detail?: string): HTMLElement {
  return h(
    "div",
    { id, className: `status ${tone}`, role: tone === "error" ? "alert" : "status" },
    h("h2", {}, heading),
    h("p", {}, body),
    detail !== undefined ? h("p", { className: "muted" }, detail) : null,
  );
}
