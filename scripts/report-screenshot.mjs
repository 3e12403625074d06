// Screenshot of a report page for the README (docs/img/report.png): `node scripts/report-screenshot.mjs
// REPORT.html OUT.png [width height]`. Uses the system Chromium through playwright-core (a devDependency).
import { chromium } from 'playwright-core';

const [file, out, width = '1400', height = '1150'] = process.argv.slice(2);
if (!file || !out) {
  process.stderr.write('usage: node scripts/report-screenshot.mjs REPORT.html OUT.png [width height]\n');
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) }, deviceScaleFactor: 1 });
  await page.goto(new URL(file, `file://${process.cwd()}/`).href);
  await page.waitForSelector('.chart canvas');
  await page.screenshot({ path: out });
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await browser.close();
}
