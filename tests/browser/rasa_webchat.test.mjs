// Sites that already embed botfront's rasa-webchat 1.0.1 (the widget most Rasa deployments use):
// it sends the page's data as `customData`, which must set the trial as our own widget's metadata does.
// The page is served by Playwright on the demo site's origin (allowed by the Rasa server), with the
// Content-Security-Policy such a page needs (rasa-webchat injects its CSS as <style> elements).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { LOCAL_HOSTS, WEB_URL, launchChromium } from "./chromium.mjs";

const BUNDLE = new URL("../../build/test-deps/rasa-webchat-1.0.1.js", import.meta.url);
let browser;

before(async () => {
  // The page is served by Playwright, so Chromium knows no address for it and its local network
  // access check would refuse its requests to the Rasa server on localhost; a page served for real
  // from the site's own server (as in the other browser tests) does not meet that check.
  browser = await launchChromium(["--disable-features=LocalNetworkAccessChecks"]);
});

after(async () => {
  await browser?.close();
});

// The page a site would write, as the README's "Embedding rasa-webchat" shows it.
function embedPage(socketUrl) {
  const init = `window.WebChat.default({
  socketUrl: ${JSON.stringify(socketUrl)},
  socketPath: "/socket.io/",
  customData: { trial: "STSINJ" },
  initPayload: "/greet",
  withRules: false,
  params: { storage: "session" },
  title: "STSINJ trial assistant"
}, null);`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>STSINJ</title></head>
<body><h1>STSINJ trial</h1><script src="rasa-webchat.js"></script><script src="init.js"></script></body></html>`;
  return { html, init };
}

test("rasa-webchat 1.0.1 gets the sourced answer for the trial its customData names", async () => {
  const context = await browser.newContext();
  // rasa-webchat asks Google Fonts for its font; the page's CSP blocks it. Whatever else tried to
  // leave this machine is refused here and counted.
  const away = [];
  await context.route((url) => !LOCAL_HOSTS.has(url.hostname), (route) => {
    away.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  // The Rasa server, as the demo site's own trial page names it (empty: the page's origin, behind nginx).
  await page.goto(new URL("trials/stsinj/", WEB_URL).href);
  const server = (await page.locator(".trial-chat").getAttribute("data-server")) || new URL(WEB_URL).origin;
  const base = new URL("embedded-rasa-webchat/", WEB_URL).href;
  const { html, init } = embedPage(server);
  const bundle = await readFile(BUNDLE);
  const ws = server.replace(/^http/, "ws");
  const csp = `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; ` +
    `connect-src 'self' ${server} ${ws}`;
  await page.route(base + "**", (route) => {
    const file = route.request().url().slice(base.length);
    const [body, type] = file === "rasa-webchat.js" ? [bundle, "text/javascript"]
      : file === "init.js" ? [init, "text/javascript"] : [html, "text/html"];
    route.fulfill({ status: 200, body, headers: { "Content-Type": type, "Content-Security-Policy": csp } });
  });
  await page.goto(base);
  await page.locator("button.rw-launcher").click({ timeout: 30000 });  // shown once connected
  const bot = page.locator(".rw-group-message.rw-from-response .rw-message-text");
  await bot.first().waitFor({ timeout: 30000 });  // the greeting, from initPayload
  const before = await bot.count();
  await page.locator("textarea.rw-new-message").fill("Who is the principal investigator?");
  await page.locator("textarea.rw-new-message").press("Enter");
  await page.waitForFunction(
    (n) => document.querySelectorAll(".rw-group-message.rw-from-response .rw-message-text").length > n &&
      /Source/.test(document.querySelector(".rw-messages-container").innerText), before, { timeout: 60000 });
  const reply = (await bot.allInnerTexts()).slice(before).join("\n");
  assert.match(reply, /Domsis/);
  assert.match(reply, /Source: STSINJ trial \(University of Pittsburgh\)/);
  // The trial came from customData: no answer for the other trial, no "which trial?" question.
  assert.doesNotMatch(reply, /Limoges|NCT03582800|Which trial/i);
  assert.deepEqual(away.filter((url) => !url.startsWith("https://fonts.googleapis.com/")), []);
  await context.close();
});
