// Browser check of the GraphiQL playground, as a person would use it: open the
// page in Debian's headless Chromium, put a query in the editor, press run, and
// wait for the expected text in the result pane.
//
// Env: BASE_URL (e.g. http://127.0.0.1:8000), QUERY (GraphQL), EXPECT (text that
// must appear in the result). It also fails if the page asks any host but this
// machine for anything (the playground must work where CDNs are blocked) or logs
// a console error. Writes playground.png beside this file, pass or fail.
// Last line: "1 passed, 0 failed" or "0 passed, 1 failed"; exit code 0 or 1.

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TIMEOUT_MS = 30_000;
const SCREENSHOT = join(dirname(fileURLToPath(import.meta.url)), 'playground.png');

const { BASE_URL, QUERY, EXPECT } = process.env;

// Loopback only: 127.0.0.0/8, localhost and [::1].
function isLoopback(url) {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'data:' || protocol === 'blob:') return true; // no network
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

async function run(problems) {
  // A fresh profile each run, so no GraphiQL state (tabs, the last query) is
  // carried over from a previous run through localStorage.
  const profile = mkdtempSync(join(tmpdir(), 'playground-check-'));
  // Playwright takes the profile directory as a parameter, not as the
  // --user-data-dir argument (which it rejects), and passes it on as that.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox', // we run as root, where Chromium's sandbox refuses to start
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // Keep the browser itself off the network: only the page's own requests matter.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(TIMEOUT_MS);

    // GraphiQL's autocompletion and docs need the schema: it must introspect.
    let introspected = false;
    context.on('request', (req) => {
      if (!isLoopback(req.url())) problems.push(`request to a non-loopback host: ${req.url()}`);
      if (req.method() === 'POST' && req.postData()?.includes('__schema')) introspected = true;
    });
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
    });

    try {
      await page.goto(new URL('/', BASE_URL).href, { waitUntil: 'load' });

      // CodeMirror 5 hangs its editor object on the wrapper element.
      const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
      await queryEditor.waitFor({ state: 'visible' });
      // Click in as a person would, then set the text through CodeMirror: typing
      // key by key would fight the editor's auto-closing of brackets.
      await queryEditor.click();
      await queryEditor.evaluate((el, q) => el.CodeMirror.setValue(q), QUERY);

      await page.locator('.graphiql-execute-button').click();

      await page.waitForFunction(
        (expect) => {
          const el = document.querySelector('.graphiql-response .CodeMirror');
          return el?.CodeMirror?.getValue().includes(expect);
        },
        EXPECT,
        { timeout: TIMEOUT_MS },
      );
      if (!introspected) problems.push('the page never sent an introspection query');
    } catch (err) {
      const result = await page
        .locator('.graphiql-response .CodeMirror')
        .evaluate((el) => el.CodeMirror.getValue())
        .catch(() => '(no result pane)');
      problems.push(`${err.message.split('\n')[0]}\nresult pane: ${result}`);
    } finally {
      await page.screenshot({ path: SCREENSHOT }).catch((e) => {
        problems.push(`screenshot failed: ${e.message}`);
      });
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const problems = [];
if (!BASE_URL || QUERY === undefined || EXPECT === undefined) {
  problems.push('set BASE_URL, QUERY and EXPECT');
} else {
  try {
    await run(problems);
  } catch (err) {
    problems.push(err.stack ?? String(err));
  }
}

console.log(`screenshot: ${SCREENSHOT}`);
if (problems.length === 0) {
  console.log('1 passed, 0 failed');
} else {
  for (const p of problems) console.log(`FAIL: ${p}`);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
}
