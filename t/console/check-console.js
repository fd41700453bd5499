// Signs in to the console in headless Chromium as a person would and says
// what it saw, as JSON on stdout. Environment: CONSOLE_URL, TOKEN, BAD_TOKEN,
// CALL_ID (a call to open), SCREENSHOT (where to write the PNG), CHROMIUM,
// ADMIN_TOKEN (an admin token of the org ORG: manages endpoints, posting
// webhooks to them as a provider would).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { chromium } = require('playwright-core');

// A webhook as a provider would post it (the custom format, signed when a
// secret is given); its HTTP status.
let calls = 0;
async function postWebhook(url, secret) {
  const body = JSON.stringify({ callId: `console-managed-${++calls}`, startedAt: '2026-11-23T10:00:00Z', durationSeconds: 3 });
  const headers = { 'Content-Type': 'application/json' };
  if (secret) {
    const t = Math.floor(Date.now() / 1000);
    headers['X-Voxfra-Signature'] = `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
  }
  const res = await fetch(url, { method: 'POST', headers, body });
  return res.status;
}

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};

// Signs in with the admin token and manages endpoints of ORG through the
// page: new, copy, disable, enable, revoke and replace, rotate, allowlist.
async function manage(page) {
  const m = {};
  page.on('dialog', (d) => d.accept(d.type() === 'prompt' ? (page.promptAnswer ?? d.defaultValue()) : undefined));
  const row = (id) => `#endpoints tbody tr[data-id="${id}"]`;
  const status = (id) => page.textContent(`${row(id)} td:nth-child(4)`);
  const waitStatus = (id, s) => page.waitForFunction(([sel, want]) => {
    const r = document.querySelector(sel);
    return r && r.cells[3].textContent === want;
  }, [row(id), s]);
  const issued = async () => {
    await page.waitForSelector('#issued:not([hidden])');
    return { title: await page.textContent('#issued-title'), url: await page.inputValue('#issued-url'),
             secret: await page.inputValue('#issued-secret') };
  };
  const idOf = (title) => (title.match(/ep_[0-9a-f]{16}/) || [])[0];

  await page.fill('#token', env('ADMIN_TOKEN'));
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#new-endpoint:not([hidden])');
  await page.click(`#org-list a[data-org="${env('ORG')}"]:not([data-client])`);
  m.actionsHeader = await page.isVisible('#endpoints th.write-only');

  // New endpoint, no HMAC: its URL shown once, copied, posted to.
  await page.fill('#new-client', 'console-new');
  await page.selectOption('#new-provider', 'custom');
  await page.click('#new-endpoint button[type=submit]');
  let shown = await issued();
  const id = idOf(shown.title);
  m.created = { title: shown.title, url: shown.url };
  await page.click('#copy-url');
  m.copied = await page.evaluate(() => navigator.clipboard.readText().catch(() => document.getSelection().toString()));
  await page.waitForSelector(row(id));
  m.postNew = await postWebhook(shown.url);

  await page.click(`${row(id)} button:has-text("Disable")`);
  await waitStatus(id, 'inactive');
  m.postDisabled = await postWebhook(shown.url);
  await page.click(`${row(id)} button:has-text("Enable")`);
  await waitStatus(id, 'active');
  m.postEnabled = await postWebhook(shown.url);

  await page.click(`${row(id)} button:has-text("Revoke and replace")`);
  await waitStatus(id, 'revoked');
  const replaced = await issued();
  m.replaced = { title: replaced.title, url: replaced.url };
  m.postOld = await postWebhook(shown.url);
  m.postReplacement = await postWebhook(replaced.url);

  // An HMAC endpoint: its secret rotated with a grace of an hour.
  await page.fill('#new-client', 'console-signed');
  await page.check('#new-hmac');
  await page.click('#new-endpoint button[type=submit]');
  await page.waitForFunction(() => /console-signed/.test(document.getElementById('issued-title').textContent));
  shown = await issued();
  const signed = idOf(shown.title);
  m.secretShown = /^whsec_/.test(shown.secret);
  await page.waitForSelector(row(signed));
  m.postSigned = await postWebhook(shown.url, shown.secret);
  page.promptAnswer = '1';
  await page.click(`${row(signed)} button:has-text("Rotate secret")`);
  await page.waitForFunction(() => /New secret/.test(document.getElementById('issued-title').textContent));
  const rotated = await issued();
  m.newSecretDiffers = rotated.secret !== shown.secret && /^whsec_/.test(rotated.secret);
  m.postNewSecret = await postWebhook(shown.url, rotated.secret);
  m.postOldSecretInGrace = await postWebhook(shown.url, shown.secret);

  // The allowlist: a bad entry is refused with the API's words, a good one applies.
  page.promptAnswer = '192.0.2.0/24, nonsense';
  page.expect400 = true;
  await page.click(`${row(signed)} button:has-text("Allowlist")`);
  await page.waitForFunction(() => document.getElementById('manage-error').textContent !== '');
  m.allowError = await page.textContent('#manage-error');
  page.expect400 = false;
  page.promptAnswer = '192.0.2.0/24';
  await page.click(`${row(signed)} button:has-text("Allowlist")`);
  await page.waitForFunction(() => document.getElementById('manage-error').textContent === '');
  await page.waitForTimeout(300);
  m.postOutsideAllowlist = await postWebhook(shown.url, rotated.secret);
  m.pageText = await page.evaluate(() => document.body.innerText);
  await page.screenshot({ path: env('SCREENSHOT').replace(/\.png$/, '-manage.png'), fullPage: true });
  return m;
}

(async () => {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxfra-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    permissions: ['clipboard-read', 'clipboard-write'],
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const seen = { problems: [] };
  try {
    const page = context.pages()[0] || (await context.newPage());
    page.on('pageerror', (e) => seen.problems.push(`page error: ${e.message}`));
    // (the bad token's 401 is on purpose: Chromium logs it as a failed resource)
    page.on('console', (m) => {
      // (and so is the 400 of the allowlist refused on purpose)
      const expected = /status of 401/.test(m.text()) || (page.expect400 && /status of 400/.test(m.text()));
      if (m.type() === 'error' && !expected) seen.problems.push(`console: ${m.text()}`);
    });
    page.setDefaultTimeout(15000);

    await page.goto(env('CONSOLE_URL'));
    await page.waitForSelector('#login:not([hidden])');
    seen.loginText = await page.textContent('#login');

    await page.fill('#token', env('BAD_TOKEN'));
    await page.click('#login button[type=submit]');
    await page.waitForFunction(() => document.getElementById('login-error').textContent !== '');
    seen.badTokenError = await page.textContent('#login-error');

    await page.fill('#token', env('TOKEN'));
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#endpoints tbody tr');
    await page.waitForSelector('#calls tbody tr');
    seen.orgs = await page.textContent('#org-list');
    seen.endpoints = await page.$$eval('#endpoints tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    seen.calls = await page.$$eval('#calls tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
    seen.storedToken = await page.evaluate(() => sessionStorage.getItem('voxfraToken'));
    seen.readTokenWriteControls = await page.$$eval('#new-endpoint:not([hidden]), #endpoints button, .write-only:not([hidden])',
                                                    (found) => found.length);

    await page.click(`#calls tbody tr:has-text("${env('CALL_ID')}")`);
    await page.waitForSelector('#call:not([hidden]) #call-turns li');
    seen.callTitle = await page.textContent('#call-title');
    seen.summary = await page.textContent('#call-summary');
    seen.turns = await page.$$eval('#call-turns li', (items) => items.map((i) => i.textContent));
    seen.facts = await page.textContent('#call-facts');
    seen.pageText = await page.evaluate(() => document.body.innerText);

    const png = await page.screenshot({ path: env('SCREENSHOT'), fullPage: true });
    // What is in the picture, measured by the browser itself: its size, how
    // many colours, and how much of it is not the page's background.
    const probe = await context.newPage();
    seen.image = await probe.evaluate(async (data) => {
      const img = new Image();
      img.src = `data:image/png;base64,${data}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, img.width, img.height).data;
      const colours = new Set();
      let background = 0;
      const bg = [px[px.length - 4], px[px.length - 3], px[px.length - 2]];  // a corner
      for (let i = 0; i < px.length; i += 4) {
        colours.add((px[i] >> 3) << 10 | (px[i + 1] >> 3) << 5 | (px[i + 2] >> 3));
        if (px[i] === bg[0] && px[i + 1] === bg[1] && px[i + 2] === bg[2]) background++;
      }
      return { width: img.width, height: img.height, colours: colours.size, notBackground: 1 - background / (px.length / 4) };
    }, png.toString('base64'));
    await probe.close();

    // The token stays for this tab: a reload is still signed in.
    await page.reload();
    await page.waitForSelector('#app:not([hidden]) #endpoints tbody tr');
    seen.signedInAfterReload = await page.isHidden('#login');
    await page.click('#logout');
    await page.waitForSelector('#login:not([hidden])');
    seen.tokenAfterSignOut = await page.evaluate(() => sessionStorage.getItem('voxfraToken'));

    if (process.env.ADMIN_TOKEN) seen.manage = await manage(page);
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(seen));
})().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
