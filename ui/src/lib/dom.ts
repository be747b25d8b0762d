// A tiny element builder, so screens read as structure rather than DOM calls.
export type Child = Node | string | null | undefined | false;
export type Attrs = Record<string, string | boolean | ((ev: Event) => void) | undefined>;

/** `h("button", { id: "go", onclick: fn }, "Go")` → <button id="go">Go</button>. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") {
      el.addEventListener(key.replace(/^on/, ""), value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else if (key === "className") {
      el.className = value;
    } else {
      el.setAttribute(key, value);
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}
