// The report and compare pages in a real browser (headless system Chromium): every chart draws its data, no
// console errors, hover shows exact values, the sample browser filters and sorts; a screenshot goes into the
// test's temp folder. Skipped, saying why, where there is no Chromium (.ci/run installs it).
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportAssets } from '../../src/report/assets.js';
import { compareHtml, reportHtml } from '../../src/report/html.js';
import { readRunDir } from '../../src/report/run-dir.js';
import { writeFileAtomicSync } from '../../src/util/atomic-write.js';
import { chromiumMissing, chromiumPath, launchChromium } from '../support/chromium.js';
import { makeTempDir } from '../support/temp-dir.js';
import { rolloutRecords, writeFakeRun } from './fixture-run.js';

if (chromiumPath === null) process.stderr.write(`\nSKIPPED tests/report/browser.test.ts: ${chromiumMissing}\n\n`);

const ALL_PANELS = ['score', 'validation', 'response-length', 'pg-loss', 'entropy', 'kl', 'grad-norm', 'lr', 'clipfrac', 'critic', 'timing', 'throughput', 'explore'];

/** Open a page, recording console errors and uncaught exceptions. */
async function open(browser: Browser, file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) errors.push(`network request: ${r.url()}`);
  });
  await page.goto(`file://${file}`);
  return { page, errors };
}

/** Per chart: its panel id, its data points, and how many of its canvas pixels are coloured (series, not grey axes). */
function chartInk(page: Page) {
  return page.$$eval('.chart', (boxes) =>
    boxes.map((box) => {
      const canvas = box.querySelector('canvas');
      let coloured = 0;
      if (canvas) {
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < px.length; i += 4) {
          if (px[i + 3] > 0 && Math.max(px[i], px[i + 1], px[i + 2]) - Math.min(px[i], px[i + 1], px[i + 2]) > 60) coloured++;
        }
      }
      return { panel: box.getAttribute('data-panel'), points: Number(box.getAttribute('data-points')), coloured };
    }),
  );
}

// Page-side code below sees only what playwright hands it (elements), so the tests need no DOM typings.
const READY = 'data-samples-ready';

async function sampleState(page: Page) {
  await page.waitForSelector(`body[${READY}]`);
  return {
    matches: Number(await page.getAttribute('#sample-count', 'data-matches')),
    rows: await page.$$eval('#sample-table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent))),
  };
}

/** Change a control and wait until the sample table was redrawn for it. */
async function setControl(page: Page, selector: string, value: string): Promise<void> {
  const before = await page.getAttribute('body', READY);
  if (selector.endsWith('-sort') || selector.endsWith('-kind')) await page.selectOption(selector, value);
  else await page.fill(selector, value);
  await page.waitForSelector(`body:not([${READY}="${before}"])`);
}

describe.skipIf(chromiumPath === null)('report pages in Chromium', () => {
  let browser: Browser;
  const tmp = makeTempDir('verlts-browser-');
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('report: every chart drawn with data, exact values on hover, samples filtered and sorted', async () => {
    const runDir = writeFakeRun(path.join(tmp, 'run'), { skipped: [2] });
    const file = path.join(tmp, 'report.html');
    writeFileAtomicSync(file, reportHtml(readRunDir(runDir, tmp), reportAssets(), Date.now()));
    const { page, errors } = await open(browser, file);
    await page.waitForSelector('.chart[data-panel="explore"] canvas');
    const charts = await chartInk(page);
    expect(charts.map((c) => c.panel)).toEqual(ALL_PANELS);
    for (const c of charts) {
      expect(c.points, c.panel).toBeGreaterThan(0);
      expect(c.coloured, c.panel).toBeGreaterThan(50);
    }
    expect(await page.textContent('.chart[data-panel="grad-norm"] .u-legend')).toContain('actor update skipped');

    // Hover the middle of the score chart (steps 0..6): the legend shows step 3's exact mean, 0.2 + 0.05·3.
    const over = (await page.$('.chart[data-panel="score"] .u-over'))!;
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // Polled: the chart library may update its legend and canvases on the next animation frame.
    const scoreLegend = () => page.$$eval('.chart[data-panel="score"] .u-legend .u-value', (els) => els.map((e) => e.textContent));
    await expect.poll(async () => (await scoreLegend()).slice(0, 2)).toEqual(['3', '0.35']);
    // The cursor is shared: the policy-loss chart shows step 3 too (-0.01·3).
    await expect.poll(() => page.$$eval('.chart[data-panel="pg-loss"] .u-legend .u-value', (els) => els.map((e) => e.textContent))).toEqual(['3', '-0.03']);
    // Dragging across one chart zooms them all: the entropy chart's canvas changes.
    const entropyCanvas = () => page.$eval('.chart[data-panel="entropy"] canvas', (c) => c.toDataURL());
    const unzoomed = await entropyCanvas();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(entropyCanvas).not.toBe(unzoomed);
    await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(entropyCanvas).toBe(unzoomed);

    // Samples: the last rollout step opens first; filter by text, by score range, and sort.
    const step6 = rolloutRecords(6);
    let s = await sampleState(page);
    expect(s.matches).toBe(step6.length);
    await setControl(page, '#sample-filter', 'APPLE');
    s = await sampleState(page);
    const apples = step6.filter((r) => r.output.includes('apple'));
    expect(s.matches).toBe(apples.length);
    expect(s.rows.map((r) => r[2])).toEqual(apples.map((r) => `${r.output}acc: ${r.acc}`));
    await setControl(page, '#sample-filter', '');
    await setControl(page, '#score-min', '0.5');
    await setControl(page, '#score-max', '0.75');
    await setControl(page, '#sample-sort', 'score-desc');
    s = await sampleState(page);
    const inRange = step6.filter((r) => r.score >= 0.5 && r.score <= 0.75).sort((a, b) => b.score - a.score);
    expect(s.matches).toBe(inRange.length);
    expect(s.rows.map((r) => Number(r[4]))).toEqual(inRange.map((r) => r.score));
    // The validation dump: its step 6 has one row, whose ground truth is JSON.
    await setControl(page, '#sample-kind', '1');
    await setControl(page, '#score-min', '');
    await setControl(page, '#score-max', '');
    s = await sampleState(page);
    expect(s.rows).toHaveLength(1);
    expect(s.rows[0][3]).toBe('{"target":[1,2]}');

    const shot = path.join(tmp, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('compare: runs overlaid with their distinguishing overrides, and the config diff', async () => {
    const a = writeFakeRun(path.join(tmp, 'lr-small'), { overrides: ['trainer.total_training_steps=6', 'actor_rollout_ref.actor.optim.lr=1e-4'], lr: 1e-4 });
    const b = writeFakeRun(path.join(tmp, 'lr-big'), { steps: 4, overrides: ['trainer.total_training_steps=6', 'actor_rollout_ref.actor.optim.lr=1e-3'], lr: 1e-3 });
    const file = path.join(tmp, 'compare.html');
    writeFileAtomicSync(file, compareHtml([readRunDir(a, tmp), readRunDir(b, tmp)], reportAssets(), Date.now()));
    const { page, errors } = await open(browser, file);
    await page.waitForSelector('.chart[data-panel="explore"] canvas');
    const charts = await chartInk(page);
    expect(charts.map((c) => c.panel)).toEqual(ALL_PANELS);
    for (const c of charts) expect(c.coloured, c.panel).toBeGreaterThan(50);
    const lrLegend = await page.textContent('.chart[data-panel="lr"] .u-legend');
    expect(lrLegend).toContain('lr-small · lr');
    expect(lrLegend).toContain('lr-big · lr');
    // The run legend above the charts stays in view and names each run's own overrides.
    expect(await page.$$eval('#run-legend .run-key', (keys) => keys.map((k) => k.textContent))).toEqual([
      'lr-small actor_rollout_ref.actor.optim.lr=1e-4',
      'lr-big actor_rollout_ref.actor.optim.lr=1e-3',
    ]);
    // mouse.wheel does not wait for the scroll to happen; wait until the page has scrolled past the legend's place.
    const legendTop = (await (await page.$('#run-legend'))!.boundingBox())!.y;
    await page.mouse.wheel(0, 2000);
    await page.waitForFunction((top) => (globalThis as unknown as { scrollY: number }).scrollY > top + 100, legendTop);
    // Sticky: at the top edge of the viewport (a legend that scrolled away would be far above it).
    const legendBox = (await (await page.$('#run-legend'))!.boundingBox())!;
    expect(legendBox.y).toBeGreaterThanOrEqual(-1);
    expect(legendBox.y).toBeLessThan(5);
    const diff = await page.$$eval('table.diff tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(diff).toContainEqual(['actor_rollout_ref.actor.optim.lr', '0.0001', '0.001']);
    expect(await page.$$eval('#run-table tbody tr', (trs) => trs.length)).toBe(2);
    await page.screenshot({ path: path.join(tmp, 'compare.png'), fullPage: true });
    expect(existsSync(path.join(tmp, 'compare.png'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});
