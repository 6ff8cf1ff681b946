// Opens the proxy's audit page in Debian's chromium (headless), filters by an entity type and
// opens one request's timeline. Prints one JSON object with what it saw; exits non-zero on error.
//
//   node audit-page.mjs <page url> <entity type>
import { chromium } from 'playwright-core';

const [url, entityType] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForSelector('#chain-status[data-state]');
  const chain = await page.getAttribute('#chain-status', 'data-state');
  await page.selectOption('#entity-type', entityType);
  await page.click('#search');
  await page.waitForSelector('#records[data-state="loaded"]');
  const rows = await page.$$eval('#records tbody tr', trs => trs.map(tr =>
    ({ kind: tr.dataset.kind, entityType: tr.dataset.entityType, requestId: tr.dataset.requestId })));
  const first = rows.find(r => r.requestId);
  await page.click(`#records tbody tr[data-request-id="${first.requestId}"] a.timeline`);
  await page.waitForSelector('#timeline[data-state="loaded"]');
  const timeline = await page.$$eval('#timeline li', lis => lis.map(li =>
    ({ kind: li.dataset.kind, text: li.textContent })));
  const title = await page.textContent('#timeline h2');
  console.log(JSON.stringify({ chain, rows, requestId: first.requestId, title, timeline }));
} finally {
  await browser.close();
}
