// What the browser tests share: Debian's Chromium started by playwright-core, and the hosts a page may reach.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const WEB_URL = process.env.WEB_URL;
export const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export async function launchChromium(extraArgs = []) {
  assert.ok(WEB_URL, "WEB_URL is not set: run these through tests/e2e/test_browser.py");
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // Chromium's own background traffic would try to leave this machine; it has no part in the page.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", ...extraArgs],
  });
}
