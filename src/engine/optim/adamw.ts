/** AdamW as torch.optim.AdamW computes it, updating a ParameterStore in place, with gradient-norm clipping. */
import type { FloatArray } from '../dtype.js';
import { EngineInputError } from '../errors.js';
import type { ParameterStore } from '../runtime/params.js';
import { ConfigError } from '../../util/errors.js';
import { clipCoefficient, globalGradNorm, type Gradients } from './grads.js';

export interface AdamWOptions {
  readonly lr: number;
  /** (β1, β2), default (0.9, 0.999). */
  readonly betas?: readonly [number, number];
  /** Default 1e-8 (torch's). */
  readonly eps?: number;
  /** Decoupled weight decay, default 0.01 (verl's). */
  readonly weightDecay?: number;
}

export interface StepOptions {
  /** Learning rate for this step (from the schedule); default the constructor's lr. */
  readonly lr?: number;
  /** Clip the global gradient norm to this (verl's grad_clip); no clipping when absent. */
  readonly maxGradNorm?: number;
}

export interface StepResult {
  /** The global gradient norm before clipping (verl logs it as actor/grad_norm). */
  readonly gradNorm: number;
  /** True when the norm was not finite and, as in verl, no update was made. */
  readonly skipped: boolean;
}

/** Optimizer state per parameter: first and second moments, same dtype as the parameter. */
export interface AdamWState {
  step: number;
  readonly m: Map<string, FloatArray>;
  readonly v: Map<string, FloatArray>;
}

/**
 * torch.optim.AdamW over a ParameterStore, updating parameters in place with a TS loop (measured faster
 * than an ORT update graph here, see docs/engine.md):
 *   p ← p·(1 − lr·wd);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − lr/(1−β1ᵗ) · m / (sqrt(v)/sqrt(1−β2ᵗ) + eps).
 * Global-norm clipping is folded into the same pass as a scale on g.
 */
export class AdamW {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly state: AdamWState;

  constructor(
    readonly params: ParameterStore,
    o: AdamWOptions,
  ) {
    this.lr = o.lr;
    [this.beta1, this.beta2] = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0.01;
    for (const [k, v] of Object.entries({ lr: this.lr, eps: this.eps, weight_decay: this.weightDecay })) {
      if (!(Number.isFinite(v) && v >= 0)) throw new ConfigError(`AdamW ${k} must be a finite number ≥ 0, got ${v}`);
    }
    for (const b of [this.beta1, this.beta2]) if (!(b >= 0 && b < 1)) throw new ConfigError(`AdamW betas must be in [0, 1), got [${this.beta1}, ${this.beta2}]`);
    this.state = { step: 0, m: new Map(), v: new Map() };
  }

  /** Number of updates made so far. */
  get stepCount(): number {
    return this.state.step;
  }

  /** One update from (accumulated) gradients of every parameter that has one. */
  step(grads: Gradients, o: StepOptions = {}): StepResult {
    for (const name of Object.keys(grads)) {
      const p = this.params.get(name);
      if (p.data.length !== grads[name].length) throw new EngineInputError(`AdamW: gradient of '${name}' has ${grads[name].length} values, parameter has ${p.data.length}`);
    }
    const gradNorm = globalGradNorm(grads);
    if (!Number.isFinite(gradNorm)) return { gradNorm, skipped: true };
    const scale = o.maxGradNorm !== undefined ? clipCoefficient(gradNorm, o.maxGradNorm) : 1;
    const lr = o.lr ?? this.lr;
    const t = ++this.state.step;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const stepSize = lr / (1 - b1 ** t);
    const bc2Sqrt = Math.sqrt(1 - b2 ** t);
    const decay = 1 - lr * this.weightDecay;
    const eps = this.eps;
    for (const [name, g] of Object.entries(grads)) {
      const p = this.params.get(name).data;
      const m = this.moment(this.state.m, name, p);
      const v = this.moment(this.state.v, name, p);
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] * scale;
        const mi = b1 * m[i] + (1 - b1) * gi;
        const vi = b2 * v[i] + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * decay - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + eps);
      }
    }
    this.params.markChanged();
    return { gradNorm, skipped: false };
  }

  private moment(store: Map<string, FloatArray>, name: string, like: FloatArray): FloatArray {
    let a = store.get(name);
    if (!a) {
      a = like instanceof Float64Array ? new Float64Array(like.length) : new Float32Array(like.length);
      store.set(name, a);
    }
    return a;
  }
}
