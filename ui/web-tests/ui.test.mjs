// `ccverify ui --sandbox` in a real browser: Playwright (playwright-core) drives Debian's
// Chromium, headless, with background networking off. Screenshots go to target/web-screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const bin = process.env.CCVERIFY_BIN || path.join(root, "target/debug/ccverify");
const shots = process.env.WEB_SCREENSHOTS || path.join(root, "target/web-screenshots");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(shots, { recursive: true });

let server;
let info;
let browser;

async function startUi() {
  const child = spawn(bin, ["ui", "--sandbox", "--json"], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`ccverify ui exited with ${code}`)));
  });
  return { child, info: JSON.parse(line) };
}

before(async () => {
  ({ child: server, info } = await startUi());
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-default-apps", "--disable-extensions",
    ],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function openPage(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  await page.goto(info.url);
  await page.locator("#model option").first().waitFor({ state: "attached" });
  return { context, page, problems };
}

async function attest(page) {
  await page.click("#attest-button");
  await page.locator("#attest-banner[data-verified]").waitFor();
}

async function send(page, text, { stream, hold = false, fault = "" }) {
  await page.selectOption("#fault", fault);
  if ((await page.isChecked("#stream")) !== stream) await page.click("#stream");
  if (stream && (await page.isChecked("#hold")) !== hold) await page.click("#hold");
  const before = await page.locator("#messages li.assistant").count();
  await page.fill("#prompt", text);
  await page.click("#send");
  const reply = page.locator("#messages li.assistant").nth(before);
  await reply.locator(":scope:not([data-state='pending'])").waitFor({ timeout: 60000 }).catch(() => {});
  await page.waitForFunction((i) => {
    const item = document.querySelectorAll("#messages li.assistant")[i];
    return item && item.dataset.state !== "pending";
  }, before, { timeout: 60000 });
  return reply;
}

test("the token keeps everyone else out; the page needs it", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(info.origin + "/");
  await page.locator("#fatal:not([hidden])").waitFor();
  assert.match(await page.textContent("#fatal"), /No token/);
  // The token left the address bar once read.
  const fresh = await context.newPage();
  await fresh.goto(info.url);
  await fresh.locator("#model option").first().waitFor({ state: "attached" });
  assert.equal(new URL(fresh.url()).hash, "");
  // A call without the token is refused even from the page's own origin.
  const status = await fresh.evaluate(async () => (await fetch("/api/status")).status);
  assert.equal(status, 401);
  await context.close();
});

test("attest: a fresh nonce, the claims in words, checks grouped by subject", async () => {
  const { context, page, problems } = await openPage();
  await page.evaluate(() => {
    window.progress = [];
    new MutationObserver(() => window.progress.push(document.getElementById("attest-status").textContent))
      .observe(document.getElementById("attest-status"), { childList: true, characterData: true, subtree: true });
  });
  await attest(page);
  assert.equal(await page.getAttribute("#attest-banner", "data-verified"), "true");
  // Each network step was reported while it ran.
  const steps = await page.evaluate(() => window.progress);
  assert.ok(steps.some((t) => /Attesting: .*attestation/i.test(t)), JSON.stringify(steps));
  assert.match(await page.textContent("#attest-banner"), /VERIFIED under the policy/);
  assert.match(await page.textContent("#attest-banner"), /nothing here is about real hardware/);
  const subjects = await page.$$eval("#attest-checks .subject", (s) => s.map((x) => x.dataset.subject));
  for (const s of ["report", "gpu0", "gpu1", "gpus", "tdx"]) assert.ok(subjects.includes(s), `subject ${s} in ${subjects}`);
  assert.match(await page.textContent("[data-subject=gpu0] .highlights"), /Device certificate expires/);
  assert.match(await page.textContent("[data-subject=tdx] .highlights"), /TCB status: TCB status UpToDate/);
  assert.match(await page.textContent("[data-subject=report] .highlights"), /Key binding/);
  assert.match(await page.textContent("#attest-claims .claims-accepted"), /io\.net does not bind it/);
  assert.match(await page.textContent("#attest-claims .claims-proven"), /Proven \(0\)/);
  const nonce = await page.textContent("#attest-facts dd");
  assert.match(nonce, /^[0-9a-f]{64}$/);
  await page.screenshot({ path: path.join(shots, "attest.png"), fullPage: true });
  await page.screenshot({ path: path.join(shots, "readme-attest.png") });
  // A second attestation uses another nonce.
  await page.click("#attest-button");
  await page.waitForFunction((n) => document.querySelector("#attest-facts dd")?.textContent !== n, nonce);
  assert.deepEqual(problems, []);
  await context.close();
});

test("chat: plain and streamed replies verified, hold shows nothing early", async () => {
  const { context, page, problems } = await openPage();
  await attest(page);
  await page.click("#tab-chat");
  let reply = await send(page, "hello plain", { stream: false });
  assert.equal(await reply.getAttribute("data-state"), "verified");
  assert.equal(await reply.locator(".text").textContent(), "Echo: hello plain");
  assert.match(await reply.locator(".badge-line").textContent(), /verified/);
  reply = await send(page, "hello streamed words arrive one by one", { stream: true });
  assert.equal(await reply.getAttribute("data-state"), "verified");
  assert.equal(await reply.locator(".text").textContent(), "Echo: hello streamed words arrive one by one");
  // Hold: record every text the reply showed before its verdict.
  await page.evaluate(() => {
    window.seen = [];
    new MutationObserver(() => {
      const items = document.querySelectorAll("#messages li.assistant");
      const last = items[items.length - 1];
      if (last && last.dataset.state === "pending") window.seen.push(last.querySelector(".text").textContent);
    }).observe(document.getElementById("messages"), { subtree: true, childList: true, characterData: true });
  });
  reply = await send(page, "held until verified", { stream: true, hold: true, fault: "slow" });
  assert.equal(await reply.getAttribute("data-state"), "verified");
  assert.equal(await reply.locator(".text").textContent(), "Echo: held until verified");
  assert.deepEqual((await page.evaluate(() => window.seen)).filter((t) => t !== ""), []);
  await page.screenshot({ path: path.join(shots, "chat.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("chat: a tampered reply is shown as not verified, its text withheld", async () => {
  const { context, page, problems } = await openPage();
  await attest(page);
  await page.click("#tab-chat");
  let reply = await send(page, "first a genuine reply", { stream: true });
  assert.equal(await reply.getAttribute("data-state"), "verified");
  reply = await send(page, "please tamper", { stream: false, fault: "tamper-response" });
  assert.equal(await reply.getAttribute("data-state"), "unverified");
  assert.equal(await reply.locator(".text").textContent(), "Reply withheld: it did not verify.");
  assert.match(await reply.locator(".failing").textContent(), /response\.response_hash/);
  assert.match(await reply.locator("details pre").textContent(), /echo: please tamper/);
  // The README's picture: a verified reply and a tampered one, as a person sees them.
  await page.locator("#panel-chat").screenshot({ path: path.join(shots, "readme-chat.png") });
  reply = await send(page, "inject into the stream", { stream: true, fault: "inject-data-no-space" });
  assert.equal(await reply.getAttribute("data-state"), "unverified");
  assert.match(await reply.locator(".failing").textContent(), /stream\.coverage/);
  assert.doesNotMatch(await reply.locator(".text").textContent(), /INJECTED/);
  await page.screenshot({ path: path.join(shots, "chat-tampered.png"), fullPage: true });

  assert.deepEqual(problems, []);
  await context.close();
});

test("inspect: the session's bundle downloaded, dropped and re-verified; a tampered copy fails", async () => {
  const { context, page, problems } = await openPage();
  await attest(page);
  await page.click("#tab-chat");
  await send(page, "for the bundle", { stream: false });
  await send(page, "streamed for the bundle", { stream: true });
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download-bundle")]);
  const saved = path.join(shots, "session-bundle.json");
  await download.saveAs(saved);
  const text = readFileSync(saved, "utf8");
  assert.match(download.suggestedFilename(), /^ccverify-bundle-[0-9a-f]{16}\.json$/);

  await page.click("#tab-inspect");
  await page.selectOption("#trust", "test");
  // Drop it, as a person would drag the file onto the page.
  const drop = async (name, content) => {
    await page.evaluate(([n, c]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([c], n, { type: "application/json" }));
      document.getElementById("drop").dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, [name, content]);
    await page.waitForFunction((n) => document.getElementById("dropped").textContent.includes(n), name);
  };
  await drop("session-bundle.json", text);
  await page.click("#inspect-button");
  await page.locator("#inspect-banner[data-verified]").waitFor();
  assert.equal(await page.getAttribute("#inspect-banner", "data-verified"), "true");
  const subjects = await page.$$eval("#inspect-checks .subject", (s) => s.map((x) => x.dataset.subject));
  assert.ok(subjects.includes("exchange0") && subjects.includes("exchange1"), String(subjects));
  await page.screenshot({ path: path.join(shots, "inspect.png"), fullPage: true });

  // Under the production roots the same bundle does not verify.
  await page.selectOption("#trust", "production");
  await page.click("#inspect-button");
  await page.waitForFunction(() => document.getElementById("inspect-banner").dataset.verified === "false");

  // One changed byte in a recorded reply: that exchange fails.
  const bundle = JSON.parse(text);
  bundle.exchanges[0].response = bundle.exchanges[0].response.replace("Echo:", "Echo;");
  await page.selectOption("#trust", "test");
  await drop("tampered-bundle.json", JSON.stringify(bundle));
  await page.evaluate(() => { document.getElementById("inspect-banner").removeAttribute("data-verified"); });
  await page.click("#inspect-button");
  await page.locator("#inspect-banner[data-verified]").waitFor();
  assert.equal(await page.getAttribute("#inspect-banner", "data-verified"), "false");
  assert.equal(await page.getAttribute("[data-subject=exchange0] tr[data-check='response.response_hash']", "data-status"), "fail");
  await page.screenshot({ path: path.join(shots, "inspect-tampered.png"), fullPage: true });
  writeFileSync(path.join(shots, "tampered-bundle.json"), JSON.stringify(bundle));
  assert.deepEqual(problems, []);
  await context.close();
});

test("inspect: a log of recorded exchanges with its bundle, under a policy of your own", async () => {
  const { context, page, problems } = await openPage();
  await attest(page);
  await page.click("#tab-chat");
  await send(page, "logged", { stream: false });
  const bundleText = await page.evaluate(async () => {
    const r = await fetch("/api/bundle", { headers: { "x-ccverify-token": sessionStorage.getItem("ccverify-token") } });
    return r.text();
  });
  const bundle = JSON.parse(bundleText);
  const ex = bundle.exchanges[0];
  const headers = Array.isArray(ex.headers) ? Object.fromEntries(ex.headers) : ex.headers;
  const genuine = { id: "genuine", request: ex.request, response: ex.response, headers, bundle: "session.json" };
  const forged = { ...genuine, id: "forged", response: ex.response.replace("Echo:", "Echo;") };
  const log = [genuine, forged].map((r) => JSON.stringify(r)).join("\n") + "\n";
  await page.click("#tab-inspect");
  await page.setInputFiles("#file", [
    { name: "exchanges.jsonl", mimeType: "application/json", buffer: Buffer.from(log) },
    { name: "session.json", mimeType: "application/json", buffer: Buffer.from(bundleText) },
  ]);
  await page.waitForFunction(() => document.getElementById("dropped").children.length === 2);
  // A policy of your own: the default preset under the test roots, with the sandbox's image.
  await page.selectOption("#policy", "custom");
  assert.equal(await page.isDisabled("#trust"), true);
  await page.fill("#policy-text", `preset = "default"\ntrust = "test"\nimage_digests = ["${bundle.attestation.image_digest}"]\n`);
  await page.click("#inspect-button");
  await page.locator("#inspect-banner[data-verified]").waitFor();
  assert.match(await page.textContent("#inspect-banner"), /1 of 2 exchange\(s\) signed over exactly their bytes/);
  assert.equal(await page.getAttribute("#inspect-banner", "data-verified"), "false");
  // Under the TEST roots the bundle attests its key only with caveats: never a green row.
  const rows = await page.$$eval("#inspect-checks tbody tr", (trs) => trs.map((t) => [t.children[1].textContent, t.dataset.status, t.children[0].textContent]));
  assert.deepEqual(rows, [["genuine", "warn", "signed; key attested with caveats"], ["forged", "fail", "not verified"]]);
  await page.screenshot({ path: path.join(shots, "inspect-log.png"), fullPage: true });
  // A log that names its own key: signed, but nothing attests the key.
  const named = { id: "named", request: ex.request, response: ex.response, headers, address: bundle.attestation.signing_address };
  await page.fill("#document", JSON.stringify(named) + "\n");
  await page.evaluate(() => { document.getElementById("inspect-banner").removeAttribute("data-verified"); });
  await page.click("#inspect-button");
  await page.locator("#inspect-banner[data-verified]").waitFor();
  assert.equal(await page.getAttribute("#inspect-banner", "data-verified"), "false");
  assert.equal(await page.getAttribute("#inspect-banner", "data-signed"), "true");
  assert.match(await page.textContent("#inspect-banner"), /only names: nothing attests them/);
  assert.match(await page.getAttribute("#inspect-banner", "class"), /warn/);
  // The same bundle under that policy: the image digest is now proven to be allowlisted.
  await page.fill("#document", bundleText);
  await page.click("#inspect-button");
  await page.waitForFunction(() => document.querySelector("#inspect-claims .claims-proven"));
  assert.match(await page.textContent("#inspect-claims .claims-proven"), /declared agent image is in the allowlist/);
  assert.match(await page.textContent("#inspect-facts"), /Policy fromcaller/);
  assert.deepEqual(problems, []);
  await context.close();
});

function contrast(fg, bg) {
  const lum = (rgb) => {
    const [r, g, b] = rgb.match(/\d+/g).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}

test("accessibility: keyboard only, readable contrast, no layout shift while streaming, 400 px wide", async () => {
  const { context, page, problems } = await openPage({ viewport: { width: 400, height: 800 } });
  // Keyboard: tab to the tab list, arrows between tabs, Enter on the attest button.
  await page.focus("#tab-attest");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-chat");
  assert.equal(await page.isVisible("#panel-chat"), true);
  await page.keyboard.press("ArrowLeft");
  assert.equal(await page.isVisible("#panel-attest"), true);
  await page.focus("#attest-button");
  await page.keyboard.press("Enter");
  await page.locator("#attest-banner[data-verified]").waitFor();
  // Nothing is wider than the window.
  for (const tab of ["#tab-attest", "#tab-chat", "#tab-inspect"]) {
    await page.click(tab);
    const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    assert.ok(scroll <= width, `${tab}: page is ${scroll} px wide in a ${width} px window`);
  }
  await page.click("#tab-attest");
  await page.screenshot({ path: path.join(shots, "attest-400px.png"), fullPage: true });
  // Contrast of the status colours, the body text and the primary button (WCAG AA: 4.5).
  const pairs = await page.evaluate(() => {
    const out = [];
    for (const sel of [".pill.pass", ".pill.warn", ".banner", "body", "button.primary", ".status", ".gateway"]) {
      const node = document.querySelector(sel);
      if (!node) continue;
      const s = getComputedStyle(node);
      let bg = s.backgroundColor;
      for (let p = node; p && /rgba\(0, 0, 0, 0\)|transparent/.test(bg); p = p.parentElement) bg = getComputedStyle(p).backgroundColor;
      if (/rgba\(0, 0, 0, 0\)/.test(bg)) bg = "rgb(255, 255, 255)";
      out.push([sel, s.color, bg]);
    }
    return out;
  });
  assert.ok(pairs.length >= 6);
  for (const [sel, fg, bg] of pairs) assert.ok(contrast(fg, bg) >= 4.5, `${sel}: ${fg} on ${bg} is ${contrast(fg, bg).toFixed(2)}`);
  // No layout shift while a paced stream arrives (Chromium's Layout Instability API).
  await page.click("#tab-chat");
  await page.evaluate(() => {
    window.shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.shifts.push(e.value);
    }).observe({ type: "layout-shift" });
  });
  await page.focus("#prompt");
  await page.keyboard.type("a long paced stream whose words arrive a tenth of a second apart so that the page has time to move if it would move at all");
  await page.selectOption("#fault", "slow");
  await page.keyboard.press("Control+Enter");
  await page.waitForFunction(() => {
    const items = document.querySelectorAll("#messages li.assistant");
    return items.length && items[items.length - 1].dataset.state === "verified";
  }, null, { timeout: 60000 });
  const shift = await page.evaluate(() => window.shifts.reduce((a, b) => a + b, 0));
  assert.ok(shift < 0.01, `cumulative layout shift ${shift}`);
  await page.screenshot({ path: path.join(shots, "chat-400px.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
