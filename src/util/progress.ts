/**
 * Progress of long work (generation, preprocessing, evaluation, training) on stderr: a cli-progress bar on a
 * terminal (items, rate, ETA); otherwise a plain line at most every `intervalMs`, so logs and CI output stay
 * readable. It writes to stderr by default because a command's stdout may be data (`score` JSONL, piping).
 */
import { SingleBar } from 'cli-progress';

export type ProgressStream = NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
export type ProgressPayload = Record<string, string | number>;

export interface ProgressOptions {
  label: string;
  total: number;
  /** What is counted, e.g. 'samples', 'rows' (default 'items'); the rate reads `<unit>/s`. */
  unit?: string;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Plain-line period when the stream is not a terminal (default 10000). */
  intervalMs?: number;
  /** Clock in milliseconds (default Date.now); tests pass their own. */
  now?: () => number;
}

export interface Progress {
  tick(delta?: number, payload?: ProgressPayload): void;
  update(value: number, payload?: ProgressPayload): void;
  setTotal(total: number): void;
  /**
   * End the progress: with `finalLine`, print it (after the bar on a terminal); without, print the final count
   * and rate on a plain stream. An empty `finalLine` ends silently (the work failed and its error follows).
   */
  stop(finalLine?: string): void;
}

const BAR_WIDTH = 30;

/** 75 → "1m15s", 3725 → "1h02m05s" (whole seconds; under a minute "42s"). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${pad(m)}m${pad(sec)}s`;
  if (m > 0) return `${m}m${pad(sec)}s`;
  return `${sec}s`;
}

/** A rate or payload number with as many digits as are worth reading. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) || Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  return x.toFixed(Math.abs(x) >= 10 ? 1 : 2);
}

/** A rate: three significant digits at most, so the line does not jitter. */
function formatRate(x: number): string {
  return Number.isInteger(x) && x < 100 ? x.toFixed(2) : formatNumber(x);
}

function payloadText(payload: ProgressPayload): string {
  return Object.entries(payload)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
    .join(', ');
}

/** The numbers both renderings show: count, percentage, rate and ETA. */
interface Snapshot {
  value: number;
  total: number;
  elapsedS: number;
}

function statusText(label: string, unit: string, snap: Snapshot, payload: ProgressPayload): string {
  const { value, total, elapsedS } = snap;
  const pct = total > 0 ? Math.min(100, Math.floor((100 * value) / total)) : 0;
  const rate = elapsedS > 0 ? value / elapsedS : 0;
  const eta = rate > 0 && total > value ? formatDuration((total - value) / rate) : value >= total ? '0s' : '?';
  const count = (x: number) => x.toLocaleString('en-US');
  const parts = [`${label}: ${count(value)}/${count(total)} ${unit} (${pct}%)`, `${formatRate(rate)} ${unit}/s`, `ETA ${eta}`];
  const extra = payloadText(payload);
  if (extra) parts.push(extra);
  return parts.join(', ');
}

function barText(snap: Snapshot): string {
  const frac = snap.total > 0 ? Math.min(1, snap.value / snap.total) : 0;
  const done = Math.round(frac * BAR_WIDTH);
  return `[${'='.repeat(done)}${'-'.repeat(BAR_WIDTH - done)}]`;
}

export function createProgress(o: ProgressOptions): Progress {
  const stream: ProgressStream = o.stream ?? process.stderr;
  const unit = o.unit ?? 'items';
  const intervalMs = o.intervalMs ?? 10_000;
  const now = o.now ?? Date.now;
  const started = now();
  let value = 0;
  let total = o.total;
  let payload: ProgressPayload = {};
  let stopped = false;
  const snap = (): Snapshot => ({ value, total, elapsedS: (now() - started) / 1000 });

  if (stream.isTTY === true) {
    const bar = new SingleBar({
      stream: stream as NodeJS.WriteStream,
      hideCursor: false,
      linewrap: false,
      fps: 5,
      format: () => `${o.label} ${barText(snap())} ${statusText('', unit, snap(), payload).replace(/^: /, '')}`,
    });
    bar.start(total, 0);
    const set = (v: number, p?: ProgressPayload) => {
      if (stopped) return;
      value = v;
      if (p) payload = { ...payload, ...p };
      bar.update(v);
    };
    return {
      tick: (delta = 1, p) => set(value + delta, p),
      update: (v, p) => set(v, p),
      setTotal: (t) => {
        total = t;
        if (!stopped) bar.setTotal(t);
      },
      stop: (finalLine) => {
        if (stopped) return;
        stopped = true;
        bar.stop();
        if (finalLine) stream.write(`${finalLine}\n`);
      },
    };
  }

  let lastLine = started;
  const maybePrint = () => {
    const t = now();
    if (t - lastLine < intervalMs) return;
    lastLine = t;
    stream.write(`${statusText(o.label, unit, snap(), payload)}\n`);
  };
  const set = (v: number, p?: ProgressPayload) => {
    if (stopped) return;
    value = v;
    if (p) payload = { ...payload, ...p };
    maybePrint();
  };
  return {
    tick: (delta = 1, p) => set(value + delta, p),
    update: (v, p) => set(v, p),
    setTotal: (t) => {
      total = t;
    },
    stop: (finalLine) => {
      if (stopped) return;
      stopped = true;
      if (finalLine !== '') stream.write(`${finalLine ?? statusText(o.label, unit, snap(), payload)}\n`);
    },
  };
}
