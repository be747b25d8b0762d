// The first-run screen: who we are, the version, and whether credentials can be kept in the
// OS keychain. It only renders what `app_info` returned; it offers no button for a feature
// that does not exist yet.
import type { AppError, AppInfo } from "../ipc";

/** Builds the first-run screen for `info` (or for the error that prevented reading it). */
export function renderFirstRun(doc: Document, result: { ok: AppInfo } | { err: AppError }): HTMLElement {
  const section = doc.createElement("section");
  section.id = "first-run";
  section.setAttribute("aria-labelledby", "first-run-title");

  const title = doc.createElement("h1");
  title.id = "first-run-title";
  title.textContent = "Welcome to Postbridge";
  section.append(title);

  const intro = doc.createElement("p");
  intro.className = "intro";
  intro.textContent =
    "Post to X — text, images, GIFs, video and threads — with your keys kept in your operating system's keychain, never in a file.";
  section.append(intro);

  if ("err" in result) {
    section.append(statusCard(doc, "app-error", "error", "Postbridge could not check this computer", errorText(result.err)));
    return section;
  }

  const info = result.ok;
  const facts = doc.createElement("dl");
  facts.className = "facts";
  addFact(doc, facts, "Version", info.version, "version");
  addFact(doc, facts, "Platform", `${info.platform} (${info.arch})`, "platform");
  section.append(facts);

  const k = info.keychain;
  if (k.status === "available") {
    section.append(
      statusCard(doc, "keychain-status", "ok", "Keychain available", `Your credentials will be stored in ${k.service}.`),
    );
  } else {
    section.append(
      statusCard(doc, "keychain-status", "error", "Keychain not available", `${k.reason} ${k.fix}`, `Missing: ${k.service}`),
    );
  }
  return section;
}

function addFact(doc: Document, list: HTMLElement, label: string, value: string, id: string): void {
  const dt = doc.createElement("dt");
  dt.textContent = label;
  const dd = doc.createElement("dd");
  dd.id = id;
  dd.textContent = value;
  list.append(dt, dd);
}

function statusCard(
  doc: Document,
  id: string,
  tone: "ok" | "error",
  heading: string,
  body: string,
  detail?: string,
): HTMLElement {
  const card = doc.createElement("div");
  card.id = id;
  card.className = `status ${tone}`;
  card.setAttribute("role", tone === "error" ? "alert" : "status");
  const h = doc.createElement("h2");
  h.textContent = heading;
  const p = doc.createElement("p");
  p.textContent = body;
  card.append(h, p);
  if (detail !== undefined) {
    const small = doc.createElement("p");
    small.className = "muted";
    small.textContent = detail;
    card.append(small);
  }
  return card;
}

/** A person-readable sentence for any error a command can give: an `AppError`, the plain
 * string Tauri rejects with when it cannot decode a command's arguments, a JavaScript `Error`,
 * or anything else (never `undefined`, never an empty string). */
export function errorText(err: unknown): string {
  if (typeof err === "string") return err.trim() !== "" ? err.trim() : UNKNOWN;
  if (err instanceof Error) return err.message.trim() !== "" ? err.message.trim() : UNKNOWN;
  if (typeof err !== "object" || err === null) return err === undefined || err === null ? UNKNOWN : String(err);
  const e = err as Partial<Record<string, unknown>>;
  if (e["kind"] === "keychain-unavailable" && typeof e["reason"] === "string") {
    return [e["reason"], e["fix"]].filter((x): x is string => typeof x === "string" && x !== "").join(" ");
  }
  if (typeof e["message"] === "string" && e["message"].trim() !== "") return e["message"].trim();
  try {
    const json = JSON.stringify(err);
    return json !== undefined && json !== "{}" ? `Unexpected error: ${json}` : UNKNOWN;
  } catch {
    return UNKNOWN;
  }
}

const UNKNOWN = "Something went wrong, and Postbridge was told nothing more.";
