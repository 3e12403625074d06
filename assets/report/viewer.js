// The report page's viewer (runs in the browser, inlined after uPlot): draws the charts described in
// #report-data and runs the sample browser over the compressed per-step dump blocks.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const multi = data.runs.length > 1;
  const LINE_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
  const DASHES = [[], [6, 3], [2, 3], [10, 3, 2, 3]];
  const MARKER = '#d62728';

  // One x axis for every chart: the union of the runs' steps.
  const xs = [...new Set(data.runs.flatMap((r) => r.steps))].sort((a, b) => a - b);
  const rowOf = data.runs.map((r) => new Map(r.steps.map((s, i) => [s, i])));
  function column(ri, key) {
    const col = data.runs[ri].series[key];
    if (!col) return null;
    return xs.map((s) => {
      const i = rowOf[ri].get(s);
      return i === undefined ? null : col[i];
    });
  }
  const hasData = (col) => col !== null && col.some((v) => v !== null);

  function fmt(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return '—';
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(5) : String(Number(v.toPrecision(6)));
  }
  // Axis ticks: short, and exponents for small or huge values.
  function tick(v) {
    const a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(1) : String(Number(v.toPrecision(4)));
  }
  function alpha(hex, a) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
  }
  function shortKey(key) {
    return key.replace(/^(val-core|critic|actor|timing_s|perf|response_length)\//, '');
  }

  const charts = [];
  // One cursor for all charts: hovering or drag-zooming one moves or zooms them all.
  const sync = uPlot.sync('steps');
  // A chart fills its grid cell (the box it is drawn into).
  function chartWidth(box) {
    return Math.max(320, box.clientWidth || 600);
  }

  /** uPlot series and data columns for one panel: every run × every key, bands, stacks and markers. */
  function build(panel) {
    const series = [{ label: 'step' }];
    const cols = [xs];
    const bands = [];
    const raw = [];
    const add = (s, col, rawCol) => {
      series.push(s);
      cols.push(col);
      raw[series.length - 1] = rawCol || col;
      return series.length - 1;
    };
    data.runs.forEach((run, ri) => {
      const color = (ki) => (multi ? run.color : LINE_COLORS[ki % LINE_COLORS.length]);
      const dash = (ki) => (multi ? DASHES[ki % DASHES.length] : []);
      const name = (key) => (multi ? `${run.label} · ${shortKey(key)}` : key);
      const keys = panel.keys.concat(panel.rightKeys || []);
      let below = null;
      let stack = null;
      keys.forEach((key, ki) => {
        const col = column(ri, key);
        if (!hasData(col)) return;
        const right = (panel.rightKeys || []).includes(key);
        const style = { label: name(key), stroke: color(ki), dash: dash(ki), width: 1.5, spanGaps: !!panel.sparse, scale: right ? 'y2' : 'y' };
        if (panel.sparse) style.points = { show: true, size: 6 };
        if (panel.stacked) {
          stack = col.map((v, i) => (v === null && (stack === null || stack[i] === null) ? null : (v || 0) + (stack ? stack[i] || 0 : 0)));
          style.value = (u, _v, si, di) => (di === null || di === undefined ? '—' : fmt(raw[si][di]));
          style.fill = below === null ? alpha(color(ki), 0.35) : undefined;
          const idx = add(style, stack, col);
          if (below !== null) bands.push({ series: [idx, below], fill: alpha(color(ki), 0.35) });
          below = idx;
          return;
        }
        add(style, col);
        if (panel.band && ki === 0) {
          const lo = column(ri, panel.band.min);
          const hi = column(ri, panel.band.max);
          if (hasData(lo) && hasData(hi)) {
            const edge = { stroke: alpha(color(ki), 0.5), width: 1, dash: dash(ki) };
            const hiIdx = add({ ...edge, label: name(panel.band.max) }, hi);
            const loIdx = add({ ...edge, label: name(panel.band.min) }, lo);
            bands.push({ series: [hiIdx, loIdx], fill: alpha(color(ki), multi ? 0.08 : 0.15) });
          }
        }
        for (const m of panel.markers || []) {
          if (m.on !== key) continue;
          const flags = column(ri, m.flag);
          if (!hasData(flags) || !flags.some((f) => f > 0)) continue;
          const top = Math.max(...col.filter((v) => v !== null));
          add(
            { label: multi ? `${run.label} · ${m.label}` : m.label, stroke: MARKER, width: 0, paths: () => null, points: { show: true, size: 10, stroke: MARKER, fill: MARKER } },
            flags.map((f, i) => (f > 0 ? (col[i] ?? top) : null)),
          );
        }
      });
    });
    return { series, cols, bands };
  }

  function makeChart(panel, parent) {
    const { series, cols, bands } = build(panel);
    if (series.length < 2) return null;
    const box = document.createElement('div');
    box.className = 'chart';
    box.dataset.panel = panel.id;
    box.dataset.points = String(cols.slice(1).reduce((n, c) => n + c.filter((v) => v !== null).length, 0));
    parent.appendChild(box);
    const axes = [{ label: 'step' }, { size: 64, values: (_u, ticks) => ticks.map(tick) }];
    if (series.some((s) => s.scale === 'y2')) axes.push({ scale: 'y2', side: 1, size: 64, grid: { show: false }, values: (_u, ticks) => ticks.map(tick) });
    const opts = {
      title: panel.title,
      width: chartWidth(box),
      height: 240,
      scales: { x: { time: false } },
      axes,
      series: series.map((s) => (s.value ? s : { ...s, value: (_u, v) => fmt(v) })),
      bands,
      cursor: { sync: { key: sync.key, setSeries: false }, drag: { x: true, y: false } },
      legend: { live: true },
    };
    const chart = new uPlot(opts, cols, box);
    charts.push(chart);
    return chart;
  }

  const chartsEl = document.getElementById('charts');
  for (const panel of data.panels) makeChart(panel, chartsEl);
  window.addEventListener('resize', () => {
    for (const c of charts) c.setSize({ width: chartWidth(c.root.parentElement), height: 240 });
  });

  // Any metric the runs logged, one at a time.
  const select = document.getElementById('metric-select');
  const keys = [...new Set(data.runs.flatMap((r) => Object.keys(r.series)))].sort();
  for (const k of keys) select.add(new Option(k, k));
  let explored = null;
  function explore() {
    if (explored) {
      charts.splice(charts.indexOf(explored), 1);
      explored.destroy();
      explored.root.parentElement.remove();
    }
    const key = select.value;
    explored = key ? makeChart({ id: 'explore', title: key, keys: [key], sparse: key.startsWith('val-') }, document.getElementById('explore-chart')) : null;
  }
  select.addEventListener('change', explore);
  const preferred = keys.find((k) => k === 'perf/time_per_step') || keys[0];
  if (preferred) {
    select.value = preferred;
    explore();
  }

  // ---- sample browser ----
  if (data.samples.length === 0 || !document.getElementById('sample-table')) return;
  const PAGE = 100;
  const el = (id) => document.getElementById(id);
  const kindSel = el('sample-kind');
  const stepSel = el('sample-step');
  const filterIn = el('sample-filter');
  const minIn = el('score-min');
  const maxIn = el('score-max');
  const sortSel = el('sample-sort');
  const tbody = el('sample-table').tBodies[0];
  const moreBtn = el('sample-more');
  const countEl = el('sample-count');
  const decoded = new Map();
  let rows = [];
  let shown = 0;
  let loadToken = 0;

  async function decode(id) {
    if (decoded.has(id)) return decoded.get(id);
    const bin = atob(document.getElementById(id).textContent.trim());
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const text = await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).text();
    const p = JSON.parse(text);
    const records = p.input.map((_, i) => {
      const extras = Object.keys(p.extras).map((k) => [k, p.strings[p.extras[k][i]]]);
      return { n: i, input: p.strings[p.input[i]], output: p.strings[p.output[i]], gts: p.strings[p.gts[i]], score: p.score[i], extras };
    });
    decoded.set(id, records);
    return records;
  }

  function fillSteps() {
    const s = data.samples[Number(kindSel.value)];
    stepSel.innerHTML = '';
    for (const st of s.steps) stepSel.add(new Option(`${st.step} (${st.rows} rows)`, st.id));
    stepSel.value = s.steps[s.steps.length - 1].id;
  }

  function cell(text, cls) {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    const div = document.createElement('div');
    div.className = 'text';
    div.textContent = text;
    td.appendChild(div);
    return td;
  }

  function renderMore() {
    const frag = document.createDocumentFragment();
    for (const r of rows.slice(shown, shown + PAGE)) {
      const tr = document.createElement('tr');
      tr.appendChild(cell(String(r.n + 1), 'num'));
      tr.appendChild(cell(r.input));
      const out = cell(r.output);
      if (r.extras.length) {
        const ex = document.createElement('div');
        ex.className = 'extras';
        ex.textContent = r.extras.map(([k, v]) => `${k}: ${v}`).join('  ');
        out.appendChild(ex);
      }
      tr.appendChild(out);
      tr.appendChild(cell(r.gts));
      tr.appendChild(cell(fmt(r.score), 'num'));
      frag.appendChild(tr);
    }
    tbody.appendChild(frag);
    shown = Math.min(rows.length, shown + PAGE);
    moreBtn.hidden = shown >= rows.length;
  }

  async function refresh() {
    const token = ++loadToken;
    const all = await decode(stepSel.value);
    if (token !== loadToken) return;
    const text = filterIn.value.trim().toLowerCase();
    const lo = minIn.value === '' ? -Infinity : Number(minIn.value);
    const hi = maxIn.value === '' ? Infinity : Number(maxIn.value);
    rows = all.filter((r) => {
      const s = r.score === null ? NaN : r.score;
      if ((lo !== -Infinity || hi !== Infinity) && !(s >= lo && s <= hi)) return false;
      if (text === '') return true;
      // Lower-cased once per record, on the first text filter.
      r.haystack ??= `${r.input}\u0000${r.output}\u0000${r.gts}`.toLowerCase();
      return r.haystack.includes(text);
    });
    const by = sortSel.value;
    const score = (r) => (r.score === null ? -Infinity : r.score);
    if (by === 'score-desc') rows.sort((a, b) => score(b) - score(a) || a.n - b.n);
    if (by === 'score-asc') rows.sort((a, b) => score(a) - score(b) || a.n - b.n);
    if (by === 'length-desc') rows.sort((a, b) => b.output.length - a.output.length || a.n - b.n);
    if (by === 'length-asc') rows.sort((a, b) => a.output.length - b.output.length || a.n - b.n);
    tbody.innerHTML = '';
    shown = 0;
    renderMore();
    countEl.textContent = `${rows.length} of ${all.length} rows match`;
    countEl.dataset.matches = String(rows.length);
    document.body.dataset.samplesReady = String(token);
  }

  data.samples.forEach((s, i) => kindSel.add(new Option(s.title, String(i))));
  kindSel.addEventListener('change', () => {
    fillSteps();
    void refresh();
  });
  for (const c of [stepSel, sortSel]) c.addEventListener('change', () => void refresh());
  // Typing refreshes once it pauses, so a large step does not redraw on every key.
  let typing = null;
  for (const c of [filterIn, minIn, maxIn]) {
    c.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => void refresh(), 120);
    });
  }
  moreBtn.addEventListener('click', renderMore);
  fillSteps();
  void refresh();
})();
