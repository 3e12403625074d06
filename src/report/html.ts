/**
 * The report page: one self-contained HTML file. The header, config and config diff are plain HTML made here;
 * the charts and the sample browser are drawn in the browser by the inlined viewer from an embedded JSON block
 * (and one compressed block per dumped step, decoded when opened).
 */
import { plainToYaml } from '../config/index.js';
import type { ReportAssets } from './assets.js';
import { configDiff, distinguishingOverrides } from './config-diff.js';
import { panelsFor, type Panel } from './panels.js';
import { configValue, type RunDir } from './run-dir.js';
import { embedDumps, type EmbeddedStep } from './samples-embed.js';
import { summarizeRun, type RunSummary } from './summary.js';

/** Run colours (Okabe–Ito, readable by colour-blind people), repeated past eight runs. */
export const RUN_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];

interface PageRun {
  label: string;
  color: string;
  steps: number[];
  series: Record<string, Array<number | null>>;
}

interface PageSamples {
  kind: 'rollout' | 'validation';
  title: string;
  steps: Array<{ step: number; rows: number; id: string }>;
}

/** What the viewer reads from the page (`#report-data`). */
interface PageData {
  runs: PageRun[];
  panels: Panel[];
  samples: PageSamples[];
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Text inside a <script> element: nothing in it may close the element. */
function scriptText(s: string): string {
  return s.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function jsonScript(id: string, value: unknown): string {
  return `<script type="application/json" id="${id}">${JSON.stringify(value).replace(/</g, '\\u003c')}</script>`;
}

function factsTable(rows: ReadonlyArray<[string, string]>): string {
  return `<table class="facts">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

function validationText(s: RunSummary): string {
  if (s.validation.length === 0) return 'none logged';
  return s.validation.map((v) => `${v.key}: final ${fmt(v.final)} (step ${v.finalStep}), best ${fmt(v.best)} (step ${v.bestStep})`).join('\n');
}

function details(title: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${escapeHtml(title)}</summary>${body}</details>`;
}

function pre(text: string): string {
  return `<pre class="block">${escapeHtml(text)}</pre>`;
}

function pageRun(run: RunDir, label: string, color: string): PageRun {
  return { label, color, steps: run.metrics.steps, series: run.metrics.series };
}

function allKeys(runs: readonly RunDir[]): Set<string> {
  return new Set(runs.flatMap((r) => Object.keys(r.metrics.series)));
}

/** Above the charts of a comparison, kept in view while scrolling: which colour is which run, and its own overrides. */
function runLegend(labels: readonly string[], colors: readonly string[], own: readonly string[][]): string {
  const items = labels.map((l, i) => `<span class="run-key"><span class="swatch" style="background:${colors[i]}"></span><b>${escapeHtml(l)}</b> ${escapeHtml(own[i].join(' '))}</span>`);
  return `<div class="run-legend" id="run-legend">${items.join('')}</div>`;
}

function page(title: string, assets: ReportAssets, header: string, after: string, data: PageData, blocks: string[], legend = ''): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    ...assets.styles.map((s) => `<style>${s.replace(/<\/style/gi, '<\\/style')}</style>`),
    '</head><body>',
    header,
    `<section id="charts-section"><h2>Metrics</h2>${legend}<div id="charts"></div>`,
    '<div class="explore"><label>Any metric: <select id="metric-select"></select></label><div id="explore-chart"></div></div></section>',
    after,
    jsonScript('report-data', data),
    ...blocks,
    ...assets.scripts.map((s) => `<script>${scriptText(s)}</script>`),
    '</body></html>',
    '',
  ].join('\n');
}

function sampleSection(kind: PageSamples['kind'], title: string, steps: EmbeddedStep[], blocks: string[]): PageSamples {
  return {
    kind,
    title,
    steps: steps.map((s) => {
      const id = `samples-${kind}-${s.step}`;
      blocks.push(`<script type="application/octet-stream" id="${id}">${s.payload}</script>`);
      return { step: s.step, rows: s.rows, id };
    }),
  };
}

const SAMPLE_BROWSER = `<section id="samples-section"><h2>Samples</h2>
<div class="sample-controls">
<label>dump <select id="sample-kind"></select></label>
<label>step <select id="sample-step"></select></label>
<label>text <input id="sample-filter" type="search" placeholder="prompt, response or ground truth"></label>
<label>score from <input id="score-min" type="number" step="any"></label>
<label>to <input id="score-max" type="number" step="any"></label>
<label>sort <select id="sample-sort">
<option value="file">file order</option><option value="score-desc">score, high first</option><option value="score-asc">score, low first</option>
<option value="length-desc">response length, long first</option><option value="length-asc">response length, short first</option></select></label>
<span id="sample-count"></span></div>
<table id="sample-table"><thead><tr><th>#</th><th>prompt</th><th>response</th><th>ground truth</th><th>score</th></tr></thead><tbody></tbody></table>
<button id="sample-more" type="button" hidden>show more</button></section>`;

/** The report of one run, read at time `now`. */
export function reportHtml(run: RunDir, assets: ReportAssets, now: number): string {
  const summary = summarizeRun(run, now);
  const experiment = configValue(run.config, 'trainer.experiment_name');
  const name = typeof experiment === 'string' && experiment ? experiment : runLabels([run.dir])[0];
  const blocks: string[] = [];
  const samples: PageSamples[] = [];
  if (run.rolloutDumps?.steps.length) samples.push(sampleSection('rollout', `rollout (${run.rolloutDumps.dir})`, embedDumps(run.rolloutDumps), blocks));
  if (run.validationDumps?.steps.length) samples.push(sampleSection('validation', `validation (${run.validationDumps.dir})`, embedDumps(run.validationDumps), blocks));
  const header = [
    `<header><h1>verl-ts report: ${escapeHtml(name)}</h1>`,
    summary.progressNote ? `<p class="status running" id="run-status">${escapeHtml(summary.progressNote)}</p>` : `<p class="status done" id="run-status">Finished: ${summary.stepsDone} of ${summary.plannedSteps} steps.</p>`,
    factsTable([...summary.facts, ['validation', validationText(summary)]]),
    summary.batchSizes.length ? details('Batch sizes (derived)', pre(summary.batchSizes.join('\n')), true) : '',
    details(`Overrides (${run.overrides.length})`, pre(run.overrides.join('\n') || '(none)')),
    details(run.configResolved ? 'Config (resolved)' : 'Config (as written; its interpolations could not be resolved here)', pre(run.configResolved ? plainToYaml(run.config) : run.configYaml)),
    '</header>',
  ].join('\n');
  const samplesHtml = samples.length
    ? SAMPLE_BROWSER
    : '<section id="samples-section"><h2>Samples</h2><p>No rollout or validation dumps found (trainer.rollout_data_dir and trainer.validation_data_dir record them).</p></section>';
  const data: PageData = { runs: [pageRun(run, name, RUN_COLORS[0])], panels: panelsFor(allKeys([run])), samples };
  return page(`verl-ts report: ${name}`, assets, header, samplesHtml, data, blocks);
}

/** Labels for compared runs: the run directories' names, their parents too where names repeat. */
export function runLabels(dirs: readonly string[]): string[] {
  const base = (d: string, parts: number) => d.split(/[\\/]+/).filter(Boolean).slice(-parts).join('/');
  for (let parts = 1; parts < 8; parts++) {
    const labels = dirs.map((d) => base(d, parts));
    if (new Set(labels).size === labels.length) return labels;
  }
  return dirs.map((d, i) => `${i + 1}: ${d}`);
}

/** Several runs overlaid: one colour per run, the overrides that tell them apart, and the config keys that differ. */
export function compareHtml(runs: readonly RunDir[], assets: ReportAssets, now: number): string {
  const labels = runLabels(runs.map((r) => r.dir));
  const own = distinguishingOverrides(runs.map((r) => r.overrides));
  const colors = runs.map((_r, i) => RUN_COLORS[i % RUN_COLORS.length]);
  const summaries = runs.map((r) => summarizeRun(r, now));
  const rows = runs
    .map((r, i) => {
      const s = summaries[i];
      const status = s.finished ? 'finished' : 'not finished';
      return `<tr><td><span class="swatch" style="background:${colors[i]}"></span>${escapeHtml(labels[i])}</td><td>${escapeHtml(own[i].join(' ') || '(no overrides of its own)')}</td>` +
        `<td>${s.stepsDone} of ${s.plannedSteps ?? '?'} (${status})</td><td>${escapeHtml(validationText(s))}</td><td>${escapeHtml(r.dir)}</td></tr>`;
    })
    .join('');
  const diff = configDiff(runs.map((r) => r.config));
  const diffTable = diff.length
    ? `<table class="diff"><thead><tr><th>key</th>${labels.map((l, i) => `<th><span class="swatch" style="background:${colors[i]}"></span>${escapeHtml(l)}</th>`).join('')}</tr></thead><tbody>` +
      diff.map((d) => `<tr><td>${escapeHtml(d.key)}</td>${d.values.map((v) => (v === null ? '<td class="absent">—</td>' : `<td>${escapeHtml(v)}</td>`)).join('')}</tr>`).join('') +
      '</tbody></table>'
    : '<p>The configs are the same.</p>';
  const body = [
    `<header><h1>verl-ts compare: ${runs.length} runs</h1>`,
    `<table class="runs" id="run-table"><thead><tr><th>run</th><th>its own overrides</th><th>steps</th><th>validation</th><th>directory</th></tr></thead><tbody>${rows}</tbody></table>`,
    details(`Config diff (${diff.length} key${diff.length === 1 ? '' : 's'} differ)`, diffTable, true),
    '</header>',
  ].join('\n');
  const data: PageData = {
    runs: runs.map((r, i) => pageRun(r, labels[i], colors[i])),
    panels: panelsFor(allKeys(runs)),
    samples: [],
  };
  return page(`verl-ts compare: ${labels.join(', ')}`, assets, body, '', data, [], runLegend(labels, colors, own));
}
