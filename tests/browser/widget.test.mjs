// The chat widget in a real browser: Debian's Chromium driven by playwright-core.
// Run by tests/e2e/test_browser.py, which starts the servers and sets WEB_URL (the demo site).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { LOCAL_HOSTS, WEB_URL, launchChromium } from "./chromium.mjs";

const seen = [];  // every URL any page asked for
let browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

async function open(path) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });  // a small phone
  context.on("request", (request) => seen.push(request.url()));
  const page = await context.newPage();
  const dialogs = [];
  page.on("dialog", (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
  await page.goto(new URL(path, WEB_URL).href);
  return { context, page, dialogs };
}

const botMessages = (page) => page.locator(".tc-msg.tc-bot");

// Types a message in the textbox and sends it with the keyboard.
async function type(page, text) {
  const box = page.getByRole("textbox", { name: /message/i });
  await box.fill(text);
  await box.press("Enter");
}

// Sends a message; waits for the whole reply (the typing indicator goes).
async function ask(page, text) {
  const before = await botMessages(page).count();
  await type(page, text);
  await waitForReply(page, before);
}

// A trial page whose Socket.IO requests fail, as when the server is down; waits for the widget to say so.
async function openOffline(path) {
  const opened = await open(path);
  await opened.page.route("**/socket.io/**", (route) => route.abort("connectionrefused"));
  await opened.page.reload();
  opened.status = opened.page.getByRole("status").filter({ hasText: /can't reach the assistant/i });
  await opened.status.waitFor({ timeout: 30000 });
  return opened;
}

// The server is reachable again: waits for the widget to reconnect by itself.
async function backOnline({ page, status }) {
  await page.unroute("**/socket.io/**");
  await status.waitFor({ state: "hidden", timeout: 30000 });
}

async function waitForReply(page, before) {
  await page.waitForFunction((n) => document.querySelectorAll(".tc-msg.tc-bot").length > n, before,
    { timeout: 60000 });
  await page.locator(".tc-typing").waitFor({ state: "hidden", timeout: 60000 });
}

// Chooses a quick reply with the keyboard: Tab focus, then Enter.
async function choose(page, title) {
  const before = await botMessages(page).count();
  const button = page.getByRole("group", { name: "Suggested replies" }).getByRole("button", { name: title, exact: true });
  await button.focus();
  await page.keyboard.press("Enter");
  await waitForReply(page, before);
}

const progressText = (page) => page.locator(".tc-progress-text").innerText();

test("an FAQ gets an answer with its source, on an accessible chat that fits 360 px", async () => {
  const { context, page } = await open("trials/stsinj/");
  const log = page.getByRole("log");
  assert.equal(await log.getAttribute("aria-live"), "polite");
  const notice = await page.locator(".tc-notice").innerText();
  assert.match(notice, /not medical advice/i);
  assert.match(notice, /emergency/i);

  // The question names no trial: the page's data-trial says which one.
  await ask(page, "Who is the principal investigator?");
  const answer = botMessages(page).filter({ has: page.locator(".tc-cite") }).last();
  assert.match(await answer.locator(".tc-text").innerText(), /Domsi/);
  const citation = await answer.locator(".tc-cite").innerText();
  assert.match(citation, /^Source:/i);
  assert.match(citation, /STSINJ trial \(University of Pittsburgh\), section/);
  // The citation comes from the answer's data: the text itself holds no "(Source: …)" line.
  assert.doesNotMatch(await answer.locator(".tc-text").innerText(), /\(Source:/);

  // The connection was upgraded from long-polling to a WebSocket.
  const transport = await page.evaluate(() => document.querySelector(".trial-chat").trialChat.socket.io.engine.transport.name);
  assert.equal(transport, "websocket");

  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  assert.ok(fits, "the page scrolls sideways at 360 px");
  await context.close();
});

test("an answer of two sections shows each source under its own part, also after a reload", async () => {
  const { context, page } = await open("trials/stsinj/");
  await ask(page, "Could I take part?");  // earlier bubbles of the conversation keep their own text
  const before = await botMessages(page).count();
  // As the Socket.IO channel sends it: each paragraph of the answer on its own, each ending with its
  // "(Source: …)" line, then the sources as data.
  await page.evaluate(() => {
    const chat = document.querySelector(".trial-chat").trialChat;
    chat.add({ from: "user", text: "who runs it?" });
    chat.receive({ text: "Lead sponsor: A hospital.\n(Source: Listing A, section “Sponsor”)" });
    chat.receive({ text: "Also relevant:\nThe study team runs the visits.\n(Source: Listing A, section “Visits”)" });
    chat.receive({ custom: { type: "answer", sources: [{ citation: "Listing A, section “Sponsor”" },
      { citation: "Listing A, section “Visits”" }] } });
  });
  const shows = async () => (await botMessages(page).allInnerTexts()).slice(before)
    .map((t) => t.replace(/\s+/g, " ").replace(/source:/gi, "Source:"));
  const expected = ["Assistant: Lead sponsor: A hospital. Source: Listing A, section “Sponsor”",
    "Assistant: Also relevant: The study team runs the visits. Source: Listing A, section “Visits”"];
  assert.deepEqual(await shows(), expected);
  await page.reload();
  assert.deepEqual(await shows(), expected);
  await context.close();
});

test("a quoted nearest sentence shows its source once, under the quote", async () => {
  const { context, page } = await open("trials/stsinj/");
  await ask(page, "hello");
  const before = await botMessages(page).count();
  // A question the texts do not answer: the nearest sentence is quoted with its source on the same
  // line, then the contact, then the source as data.
  await page.evaluate(() => {
    const chat = document.querySelector(".trial-chat").trialChat;
    chat.add({ from: "user", text: "how many injections?" });
    chat.receive({ text: "The trial information doesn't say that. The closest it comes is:\n“Injection of STS.” (Source: Listing A, section “Arms”)" });
    chat.receive({ text: "The study team can tell you more: team@example.org" });
    chat.receive({ custom: { type: "answer", sources: [{ citation: "Listing A, section “Arms”" }] } });
  });
  const shown = (await botMessages(page).allInnerTexts()).slice(before)
    .map((t) => t.replace(/\s+/g, " ").replace(/source:/gi, "Source:"));
  assert.deepEqual(shown, ["Assistant: The trial information doesn't say that. The closest it comes is: “Injection of STS.” Source: Listing A, section “Arms”",
    "Assistant: The study team can tell you more: team@example.org"]);
  await context.close();
});

test("a short answer offers the whole section, which a click shows", async () => {
  const { context, page } = await open("trials/stsinj/");
  await ask(page, "Is there evidence this treatment is safe?");
  const answer = botMessages(page).filter({ has: page.locator(".tc-cite") }).last();
  const short = await answer.locator(".tc-text").innerText();
  await choose(page, "Show the whole section");
  const section = await botMessages(page).last().innerText();
  assert.ok(section.length > short.length + 200, "the whole section is longer than the short answer");
  assert.match(section, /well-tolerated/);
  await context.close();
});

test("a pre-screen whose later questions hang on answers not given yet counts them as 'up to'", async () => {
  // "7 of 11" then "8 of 9" (a "no" skips the pregnancy questions) read as a mistake.
  const { context, page } = await open("trials/nct03582800/");
  await ask(page, "Could I take part?");
  assert.match(await progressText(page), /question 1 of up to \d+/i);
  await page.reload();
  assert.match(await progressText(page), /question 1 of up to \d+/i);
  await context.close();
});

test("a screening is clicked through with the keyboard, survives a reload, and ends in an outcome", async () => {
  const { context, page } = await open("trials/stsinj/");
  await ask(page, "Could I take part?");
  assert.match(await progressText(page), /question 1 of \d+/i);
  await choose(page, "Systemic sclerosis (scleroderma)");
  assert.match(await progressText(page), /question 2 of \d+/i);
  const shown = await page.locator(".tc-msg").count();

  await page.reload();
  assert.equal(await page.locator(".tc-msg").count(), shown, "the conversation is not all there after a reload");
  assert.match(await progressText(page), /question 2 of \d+/i);
  await choose(page, "Yes");  // the server resumes the same screening
  assert.match(await progressText(page), /question 3 of \d+/i);
  await choose(page, "Not sure");

  const outcome = page.locator(".tc-outcome");
  await outcome.waitFor();
  assert.match(await outcome.innerText(), /study team/i);
  assert.doesNotMatch(await page.getByRole("log").innerText(), /you are eligible/i);
  assert.ok(await page.locator(".tc-progress").isHidden());
  await context.close();
});

test("a script in a message is shown as text, never run", async () => {
  const { context, page, dialogs } = await open("trials/nct03582800/");
  const attack = "<img src=x onerror=alert(1)><script>alert(2)</script>";
  await ask(page, attack);
  assert.equal(await page.locator(".tc-msg.tc-user .tc-text").last().textContent(), attack);
  assert.equal(await page.locator(".tc-log img, .tc-log script").count(), 0);
  assert.deepEqual(dialogs, []);
  await context.close();
});

test("while the server cannot be reached the widget says so, keeps the message, and reconnects by itself", async () => {
  const offline = await openOffline("trials/nct03582800/");
  const { context, page, status } = offline;
  await type(page, "Who sponsors the study?");
  await page.reload();  // what was typed offline is kept over a reload too
  await status.waitFor({ timeout: 30000 });

  await backOnline(offline);
  await page.locator(".tc-msg.tc-bot").filter({ hasText: /Limoges/ }).first().waitFor({ timeout: 60000 });
  await context.close();
});

test("twenty messages typed offline are all answered when the server is back", async () => {
  const offline = await openOffline("trials/stsinj/");
  const { context, page } = offline;
  for (let i = 1; i <= 20; i++) await type(page, `Who is the principal investigator? (${i})`);
  await backOnline(offline);
  await page.waitForFunction(() => document.querySelectorAll(".tc-msg.tc-bot").length >= 20, null, { timeout: 120000 });
  await page.locator(".tc-typing").waitFor({ state: "hidden", timeout: 60000 });
  const answers = await botMessages(page).filter({ hasText: /Domsi/ }).count();
  assert.equal(answers, 20);
  await context.close();
});

test("a message typed offline is dropped, not sent, when the patient starts a new conversation", async () => {
  const offline = await openOffline("trials/nct03582800/");
  const { context, page } = offline;
  await type(page, "I take warfarin");
  await page.getByRole("button", { name: "New conversation" }).click();
  await backOnline(offline);
  await page.waitForTimeout(3000);  // a reply would have come by now
  assert.equal(await page.locator(".tc-msg").count(), 0);
  await context.close();
});

test("New conversation forgets the conversation in the browser and starts another", async () => {
  const { context, page } = await open("trials/stsinj/");
  const sessionId = () => page.evaluate(() => JSON.parse(sessionStorage.getItem("trial-chat:STSINJ")).sessionId);
  await ask(page, "Who is the principal investigator?");
  const first = await sessionId();
  await page.getByRole("button", { name: "New conversation" }).click();
  assert.equal(await page.locator(".tc-msg").count(), 0);
  await ask(page, "Who sponsors the study?");
  const second = await sessionId();
  assert.ok(first && second && first !== second);
  await page.reload();
  const log = await page.getByRole("log").innerText();
  assert.match(log, /Who sponsors the study\?/);
  assert.doesNotMatch(log, /principal investigator/);
  await context.close();
});

test("no request left this machine", () => {
  assert.ok(seen.length > 0);
  const away = seen.filter((url) => !LOCAL_HOSTS.has(new URL(url).hostname));
  assert.deepEqual(away, []);
});
