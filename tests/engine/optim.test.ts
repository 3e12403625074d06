// AdamW + clipping against torch, LR schedules against verl's own functions (fixture made by
// tests/fixtures/engine/gen_optim_fixtures.py), optimizer state round trip, gradient accumulation.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AdamW,
  GradAccumulator,
  LrScheduler,
  ParameterStore,
  clipCoefficient,
  encodeOptimizerState,
  globalGradNorm,
  loadOptimizerState,
  lrFactor,
  saveOptimizerState,
  warmupStepsOf,
} from '../../src/engine/index.js';
import { makeTempDir } from '../support/temp-dir.js';

interface Fixture {
  adamw: {
    betas: [number, number];
    eps: number;
    weight_decay: number;
    max_grad_norm: number;
    init: Record<string, number[]>;
    steps: Array<{ lr: number; grads: Record<string, Array<number | 'inf'>>; grad_norm: number | 'inf'; skipped: boolean; params: Record<string, number[]> }>;
  };
  schedules: Array<{ type: 'constant' | 'cosine'; args: Record<string, number>; base_lr: number; lrs: number[] }>;
}
const fx = JSON.parse(readFileSync(new URL('../fixtures/engine/optim-fixtures.json', import.meta.url), 'utf8')) as Fixture;
const num = (v: number | 'inf') => (v === 'inf' ? Infinity : v);

function storeFromFixture(): ParameterStore {
  const s = new ParameterStore();
  s.add('w', [3, 4], Float32Array.from(fx.adamw.init.w));
  s.add('b', [4], Float32Array.from(fx.adamw.init.b));
  return s;
}

describe('AdamW', () => {
  it('matches torch.optim.AdamW + clip_grad_norm_, including a skipped non-finite step', () => {
    const params = storeFromFixture();
    const a = fx.adamw;
    const opt = new AdamW(params, { lr: 1e-2, betas: a.betas, eps: a.eps, weightDecay: a.weight_decay });
    for (const step of a.steps) {
      const grads = { w: Float32Array.from(step.grads.w.map(num)), b: Float32Array.from(step.grads.b.map(num)) };
      const r = opt.step(grads, { lr: step.lr, maxGradNorm: a.max_grad_norm });
      expect(r.skipped).toBe(step.skipped);
      if (step.grad_norm === 'inf') expect(r.gradNorm).toBe(Infinity);
      else expect(Math.abs(r.gradNorm - step.grad_norm) / step.grad_norm).toBeLessThan(1e-6);
      for (const name of ['w', 'b']) {
        const got = params.get(name).data;
        step.params[name].forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(2e-6));
      }
    }
    expect(opt.stepCount).toBe(4);
  });

  it('rejects bad hyper-parameters with the offending value', () => {
    const p = new ParameterStore();
    expect(() => new AdamW(p, { lr: -1 })).toThrow('AdamW lr must be a finite number ≥ 0, got -1');
    expect(() => new AdamW(p, { lr: 1, betas: [0.9, 1] })).toThrow('AdamW betas must be in [0, 1), got [0.9, 1]');
  });

  it('global grad norm and torch clip coefficient', () => {
    expect(globalGradNorm({ a: Float32Array.from([3]), b: Float64Array.from([4]) })).toBe(5);
    expect(clipCoefficient(5, 1)).toBeCloseTo(1 / (5 + 1e-6), 15);
    expect(clipCoefficient(0.5, 1)).toBe(1);
  });
});

describe('LR schedules', () => {
  for (const c of fx.schedules) {
    it(`${c.type} ${JSON.stringify(c.args)} equals verl's scheduler over 25 steps`, () => {
      const s = new LrScheduler(c.base_lr, {
        schedulerType: c.type,
        totalSteps: c.args.num_training_steps ?? 100,
        warmupSteps: c.args.num_warmup_steps,
        minLrRatio: c.args.min_lr_ratio,
        numCycles: c.args.num_cycles,
      });
      c.lrs.forEach((lr, step) => expect(s.lr(step)).toBeCloseTo(lr, 18));
    });
  }

  it('warmup: lr_warmup_steps wins when ≥ 0, else int(ratio · total)', () => {
    expect(warmupStepsOf({ totalSteps: 25, warmupSteps: -1, warmupStepsRatio: 0.1 })).toBe(2);
    expect(warmupStepsOf({ totalSteps: 25, warmupSteps: null, warmupStepsRatio: 0.19 })).toBe(4);
    expect(warmupStepsOf({ totalSteps: 25, warmupSteps: 0, warmupStepsRatio: 0.5 })).toBe(0);
    expect(warmupStepsOf({ totalSteps: 25, warmupSteps: 3, warmupStepsRatio: 0.5 })).toBe(3);
    expect(lrFactor({ totalSteps: 10, warmupSteps: 4 }, 1)).toBe(0.25);
  });

  it('rejects unknown types and bad ratios', () => {
    expect(() => new LrScheduler(1, { totalSteps: 5, schedulerType: 'linear' as never })).toThrow("lr_scheduler_type 'linear' is not supported: use 'constant' or 'cosine'");
    expect(() => new LrScheduler(1, { totalSteps: 5, schedulerType: 'cosine', minLrRatio: 1.5 })).toThrow('min_lr_ratio must be in [0, 1], got 1.5');
    expect(() => new LrScheduler(1, { totalSteps: -1, schedulerType: 'cosine' })).toThrow('the cosine LR schedule needs total_training_steps > 0, got -1');
  });
});

describe('optimizer state files', () => {
  const run = (opt: AdamW, k: number) => {
    for (let s = 0; s < k; s++) {
      const grads: Record<string, Float32Array> = {};
      for (const p of opt.params.list()) grads[p.name] = p.data.map((_, i) => Math.sin(i + s * 7)) as Float32Array;
      opt.step(grads, { maxGradNorm: 1 });
    }
  };

  it('round-trips bit-exactly and training continues identically', () => {
    const dir = makeTempDir('engine-optim-');
    const a = new AdamW(storeFromFixture(), { lr: 1e-3 });
    run(a, 3);
    saveOptimizerState(a, join(dir, 'optim.safetensors'));
    const params2 = new ParameterStore();
    for (const p of a.params.list()) params2.add(p.name, p.shape, p.data.slice());
    const b = new AdamW(params2, { lr: 1e-3 });
    loadOptimizerState(b, join(dir, 'optim.safetensors'));
    expect(b.stepCount).toBe(3);
    expect(Buffer.from(encodeOptimizerState(b))).toEqual(Buffer.from(encodeOptimizerState(a)));
    run(a, 2);
    run(b, 2);
    for (const p of a.params.list()) expect(Buffer.from(b.params.get(p.name).data.buffer)).toEqual(Buffer.from(p.data.buffer));
  });

  it('explains what does not fit', () => {
    const dir = makeTempDir('engine-optim-');
    const a = new AdamW(storeFromFixture(), { lr: 1e-3 });
    run(a, 1);
    const file = join(dir, 'o.safetensors');
    saveOptimizerState(a, file);
    const other = new ParameterStore();
    other.add('w', [4, 3], { dtype: 'float32' });
    other.add('b', [4], { dtype: 'float32' });
    expect(() => loadOptimizerState(new AdamW(other, { lr: 1 }), file)).toThrow(`${file}: 'exp_avg.w' has shape [3, 4], parameter 'w' is [4, 3]`);
    const missing = new ParameterStore();
    missing.add('w', [3, 4], { dtype: 'float32' });
    expect(() => loadOptimizerState(new AdamW(missing, { lr: 1 }), file)).toThrow(`${file}: tensor 'exp_avg.b' is for parameter 'b', which the model does not have`);
    writeFileSync(join(dir, 'bad'), 'nope');
    expect(() => loadOptimizerState(new AdamW(missing, { lr: 1 }), join(dir, 'bad'))).toThrow(`${join(dir, 'bad')}: file is too short to be a safetensors file`);
    expect(() => loadOptimizerState(new AdamW(missing, { lr: 1 }), join(dir, 'absent'))).toThrow(`cannot read optimizer state '${join(dir, 'absent')}'`);
  });
});

describe('gradient accumulation', () => {
  it('adopts the first micro-batch and adds the rest with a scale', () => {
    const acc = new GradAccumulator();
    const first = Float32Array.from([1, 2]);
    acc.add({ w: first }, 0.5);
    acc.add({ w: Float32Array.from([4, 4]) }, 0.5);
    expect(acc.grads.w).toBe(first);
    expect(Array.from(acc.grads.w)).toEqual([2.5, 3]);
    expect(acc.microBatches).toBe(2);
    expect(() => acc.add({ v: Float32Array.from([1]) })).toThrow("gradient accumulation: 'v' was not in the first micro-batch");
    acc.zero();
    expect(() => acc.grads).toThrow('no gradients were accumulated');
  });
});
