// @vitest-environment happy-dom
import { describe, expect, it, vi } from "vitest";
import type { AccountStatus } from "../ipc";

vi.mock("../ipc", async (importOriginal) => ({ ...(await importOriginal<typeof import("../ipc")>()), commands: {} }));

const { renderHome, accountLabel } = await import("./home");

const account = (name: string, username: string | null, accessLevel: AccountStatus["accessLevel"] = "read-write"): AccountStatus => ({ name, configured: true, username, accessLevel, plan: null, sandbox: false, isDefault: name === "Work", uploadRoute: null, signIn: "oauth1" });

describe("home's account bar", () => {
  it("is one line with a switcher over every account, the one in use selected", () => {
    const switched: string[] = [];
    const accounts = [account("Work", "worker"), account("Home", "homebody")];
    const el = renderHome({ account: accounts[0]!, accounts, onSwitch: (n) => switched.push(n), onFix: () => {}, onChanged: () => {} });
    const select = el.querySelector<HTMLSelectElement>("#account-switch");
    expect(select?.getAttribute("aria-label")).toBe("Post as");
    expect([...(select?.options ?? [])].map((o) => o.textContent)).toEqual(["@worker (Work)", "@homebody (Home)"]);
    expect(select?.value).toBe("Work");
    select!.value = "Home";
    select!.dispatchEvent(new Event("change"));
    expect(switched).toEqual(["Home"]);
    expect(el.querySelector("#active-account")?.className).toBe("pill ok");
    expect(el.querySelector("h2, h3")).toBeNull();
  });

  it("names a single account without a switcher, and marks one that cannot post", () => {
    const ro = account("Work", null, "read");
    const el = renderHome({ account: ro, accounts: [ro], onSwitch: () => {}, onFix: () => {}, onChanged: () => {} });
    expect(el.querySelector("#account-switch")).toBeNull();
    expect(el.textContent).toContain("Posting as");
    expect(accountLabel(ro)).toBe("Work");
    expect(el.querySelector("#active-account")?.className).toBe("pill error");
    expect(el.querySelector("#active-account")?.textContent).toContain("Work · ");
  });
});
