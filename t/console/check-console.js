// Signs in to the console in headless Chromium as a person would and says
// what it saw, as JSON on stdout. Environment: CONSOLE_URL, TOKEN, BAD_TOKEN,
// CALL_ID (a call to open), SCREENSHOT (where to write the PNG), CHROMIUM.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const env = (name) => {
  if (!process.env[name]) throw new Error(`${name} is not set`);
  return process.env[name];
};

(async () => {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'voxfra-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
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
      if (m.type() === 'error' && !/status of 401/.test(m.text())) seen.problems.push(`console: ${m.text()}`);
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
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(seen));
})().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
