// Entry point of the window: ask Rust for the app info and show the first-run screen.
import { commands } from "./ipc";
import { renderFirstRun } from "./screens/first-run";

async function start(): Promise<void> {
  const root = document.getElementById("app");
  if (root === null) return;
  const result = await commands.appInfo();
  const screen =
    result.status === "ok" ? renderFirstRun(document, { ok: result.data }) : renderFirstRun(document, { err: result.error });
  root.replaceChildren(screen);
}

void start();
