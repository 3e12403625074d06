import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DecodeState } from '../../src/models/sampling/decode-state.js';
import { checkSamplingParams, logSoftmaxRow, processLogits, processLogitsRow, type SamplingParams } from '../../src/models/sampling/logits-process.js';
import { repeatInterleave, rowGenerators, sampleTokens } from '../../src/models/sampling/sample.js';
import { Rng } from '../../src/util/rng.js';

interface WarperCase {
  input: string;
  settings: { temperature: number; top_k: number; top_p: number };
  kept: number[][];
  processed: number[][];
  logprobs: number[][];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/models/warpers.json', import.meta.url), 'utf8')) as {
  inputs: Record<string, number[][]>;
  cases: WarperCase[];
};

const params = (s: WarperCase['settings']): SamplingParams => ({ doSample: true, temperature: s.temperature, topK: s.top_k, topP: s.top_p });

describe('logits warpers against transformers (Temperature → TopK → TopP)', () => {
  for (const c of fixture.cases) {
    const rows = fixture.inputs[c.input];
    const name = `${c.input} T=${c.settings.temperature} k=${c.settings.top_k} p=${c.settings.top_p}`;
    it(name, () => {
      const vocab = rows[0].length;
      const out = processLogits(Float32Array.from(rows.flat()), rows.length, vocab, params(c.settings));
      rows.forEach((_, b) => {
        const row = out.subarray(b * vocab, (b + 1) * vocab);
        const kept = [...row.keys()].filter((i) => row[i] !== -Infinity);
        // torch sorts large rows with an unstable algorithm, so which of several exactly-equal logits survive
        // top-p there is arbitrary; the number kept and their values must still agree.
        if (c.input === 'big_ties' && c.settings.top_p < 1) {
          expect(kept.length, `${name} row ${b} count`).toBe(c.kept[b].length);
          const values = (ids: number[]) => ids.map((i) => rows[b][i]).sort((x, y) => x - y);
          expect(values(kept)).toEqual(values(c.kept[b]));
          return;
        }
        expect(kept, `${name} row ${b}`).toEqual(c.kept[b]);
        expect(kept.map((i) => row[i])).toEqual(c.processed[b]);
        const lp = logSoftmaxRow(row);
        kept.forEach((i, j) => expect(Math.abs(lp[i] - c.logprobs[b][j]), `logprob ${i}`).toBeLessThan(2e-6));
      });
    });
  }
});

describe('sampling step', () => {
  it('greedy takes the first maximum and the raw log-softmax', () => {
    const logits = Float32Array.from([0, 2, 2, 1, /* row 2 */ -1, -1, -1, 5]);
    const { tokenIds, logProbs } = sampleTokens(logits, 2, 4, { doSample: false, temperature: 0, topK: -1, topP: 1 }, new Rng(1));
    expect(Array.from(tokenIds)).toEqual([1, 3]);
    const z = Math.log(1 + 2 * Math.exp(2) + Math.exp(1));
    expect(logProbs[0]).toBeCloseTo(2 - z, 6);
    expect(logProbs[1]).toBeCloseTo(5 - Math.log(3 * Math.exp(-1) + Math.exp(5)), 6);
  });

  it('draws with the frequencies of the processed distribution and returns its log-probs', () => {
    const row = Float32Array.from([1.0, 0.2, -0.5, 2.0, 0.9, -3]);
    const p: SamplingParams = { doSample: true, temperature: 0.8, topK: 4, topP: 0.9 };
    const processed = new Float32Array(6);
    processLogitsRow(row, p, processed);
    const lp = logSoftmaxRow(processed);
    const n = 20000;
    const counts = new Array<number>(6).fill(0);
    const rng = new Rng(42);
    for (let i = 0; i < n; i++) {
      const { tokenIds, logProbs } = sampleTokens(row, 1, 6, p, rng);
      counts[tokenIds[0]]++;
      expect(logProbs[0]).toBe(Math.fround(lp[tokenIds[0]]));
    }
    for (let i = 0; i < 6; i++) {
      const prob = Math.exp(lp[i]);
      if (prob === 0) expect(counts[i], `token ${i} was removed`).toBe(0);
      // 5 standard deviations of a binomial count; the seed makes this deterministic.
      else expect(Math.abs(counts[i] / n - prob)).toBeLessThan(5 * Math.sqrt((prob * (1 - prob)) / n));
    }
  });

  it('is reproducible from the seed, and per-row generators make rows independent of the batch', () => {
    const vocab = 50;
    const g = new Rng(3);
    const logits = Float32Array.from({ length: 3 * vocab }, () => g.normal() * 2);
    const p: SamplingParams = { doSample: true, temperature: 1, topK: -1, topP: 1 };
    const a = sampleTokens(logits, 3, vocab, p, rowGenerators(7, 3));
    const b = sampleTokens(logits, 3, vocab, p, rowGenerators(7, 3));
    expect(a).toEqual(b);
    const gens = rowGenerators(7, 3);
    const alone = sampleTokens(logits.subarray(2 * vocab), 1, vocab, p, [gens[2]]);
    expect(alone.tokenIds[0]).toBe(a.tokenIds[2]);
    const skipped = sampleTokens(logits, 3, vocab, p, rowGenerators(7, 3), { active: [1, 0, 1] });
    expect(Array.from(skipped.tokenIds)).toEqual([a.tokenIds[0], -1, a.tokenIds[2]]);
  });

  it('refuses settings HF refuses', () => {
    expect(() => checkSamplingParams({ doSample: true, temperature: 0, topK: -1, topP: 1 })).toThrow(
      'temperature (=0) has to be a strictly positive number when do_sample is true; for greedy decoding set do_sample=false',
    );
    expect(() => checkSamplingParams({ doSample: true, temperature: 1, topK: -1, topP: 1.5 })).toThrow('top_p (=1.5) has to be a number in [0, 1]');
    expect(() => checkSamplingParams({ doSample: true, temperature: 1, topK: 2.5, topP: 1 })).toThrow('top_k (=2.5) has to be an integer (-1 or 0 turns it off)');
    expect(() => sampleTokens(Float32Array.from([0, NaN]), 1, 2, { doSample: true, temperature: 1, topK: -1, topP: 1 }, new Rng(0))).toThrow(
      'logits row 0 has NaN at token 1',
    );
  });

  it('repeats prompts interleaved for n samples', () => {
    expect(repeatInterleave(['a', 'b'], 3)).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
  });
});

describe('decode bookkeeping', () => {
  /** A fake engine: row b emits script[b][t] (logits one-hot-ish on that token). */
  function run(script: number[][], opts: { max: number; eos: number[]; pad: number; ignoreEos?: boolean }) {
    const vocab = 8;
    const state = new DecodeState({ batchSize: script.length, maxResponseLength: opts.max, eosTokenIds: opts.eos, padTokenId: opts.pad, ignoreEos: opts.ignoreEos });
    const fed: number[][] = [];
    while (!state.done) {
      fed.push(Array.from(state.lastTokens()));
      const logits = new Float32Array(script.length * vocab);
      script.forEach((s, b) => (logits[b * vocab + s[state.step]] = 10));
      const { tokenIds, logProbs } = sampleTokens(logits, script.length, vocab, { doSample: false, temperature: 1, topK: -1, topP: 1 }, new Rng(0), {
        active: state.activeMask(),
      });
      state.append(tokenIds, logProbs);
    }
    return { state, fed };
  }

  it('stops rows at EOS (kept in the mask), pads after, and stops all at max length', () => {
    const { state, fed } = run(
      [
        [5, 1, 7, 7, 7],
        [4, 4, 4, 4, 4],
        [2, 3, 3, 3, 3],
      ],
      { max: 4, eos: [1, 2], pad: 0 },
    );
    const r = state.result();
    expect(r.width).toBe(4);
    expect(Array.from(r.responses)).toEqual([5, 1, 0, 0, 4, 4, 4, 4, 2, 0, 0, 0]);
    expect(Array.from(r.responseMask)).toEqual([1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(Array.from(r.lengths)).toEqual([2, 4, 1]);
    expect(r.finishReasons).toEqual(['stop', 'length', 'stop']);
    const lp = Math.fround(10 - Math.log(Math.exp(10) + 7));
    expect(Array.from(r.logProbs)).toEqual([lp, lp, 0, 0, lp, lp, lp, lp, lp, 0, 0, 0]);
    // each step feeds the previous token; finished rows get pad
    expect(fed).toEqual([
      [0, 0, 0],
      [5, 4, 0],
      [0, 4, 0],
      [0, 4, 0],
    ]);
    expect(state.result({ trim: true }).width).toBe(4);
  });

  it('ignore_eos keeps generating to max length', () => {
    const { state } = run([[1, 1, 3]], { max: 3, eos: [1], pad: 0, ignoreEos: true });
    const r = state.result();
    expect(Array.from(r.responses)).toEqual([1, 1, 3]);
    expect(r.finishReasons).toEqual(['length']);
  });

  it('trims to the longest response on request and reports unfinished rows', () => {
    const state = new DecodeState({ batchSize: 2, maxResponseLength: 10, eosTokenIds: [1], padTokenId: 9 });
    state.append([1, 4], [-0.5, -0.25]);
    expect(state.activeRows()).toEqual([1]);
    const r = state.result({ trim: true });
    expect(r.width).toBe(1);
    expect(Array.from(r.responses)).toEqual([1, 4]);
    expect(r.finishReasons).toEqual(['stop', null]);
    expect(() => state.append([1], [0])).toThrow('DecodeState.append: expected 2 tokens and log-probs, got 1 and 1');
  });
});
