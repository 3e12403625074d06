/** Gradient bookkeeping: accumulation over micro-batches, the global norm and the clipping coefficient. */
import type { FloatArray } from '../dtype.js';
import { EngineInputError } from '../errors.js';

export type Gradients = Record<string, FloatArray>;

/**
 * Sums gradients over micro-batches. The first contribution's arrays are adopted (the backward run returns
 * fresh arrays, so no copy is needed); later ones are added in place.
 */
export class GradAccumulator {
  private acc: Gradients | null = null;
  private count = 0;

  /** Add scale·grads (scale e.g. 1/grad_accum as verl's loss scaling). */
  add(grads: Gradients, scale = 1): void {
    if (!this.acc) {
      this.acc = {};
      for (const [k, g] of Object.entries(grads)) {
        if (scale !== 1) for (let i = 0; i < g.length; i++) g[i] *= scale;
        this.acc[k] = g;
      }
    } else {
      for (const [k, g] of Object.entries(grads)) {
        const a = this.acc[k];
        if (!a) throw new EngineInputError(`gradient accumulation: '${k}' was not in the first micro-batch`);
        if (a.length !== g.length) throw new EngineInputError(`gradient accumulation: '${k}' has ${g.length} values, expected ${a.length}`);
        if (scale === 1) for (let i = 0; i < g.length; i++) a[i] += g[i];
        else for (let i = 0; i < g.length; i++) a[i] += scale * g[i];
      }
    }
    this.count++;
  }

  get microBatches(): number {
    return this.count;
  }

  /** The summed gradients (throws when nothing was added). */
  get grads(): Gradients {
    if (!this.acc) throw new EngineInputError('no gradients were accumulated');
    return this.acc;
  }

  /** Forget the sums (verl's zero_grad). */
  zero(): void {
    this.acc = null;
    this.count = 0;
  }
}

/** The global L2 norm over all gradient tensors (accumulated in float64). */
export function globalGradNorm(grads: Gradients): number {
  let sum = 0;
  for (const g of Object.values(grads)) {
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    sum += s;
  }
  return Math.sqrt(sum);
}

/** torch.nn.utils.clip_grad_norm_'s factor: min(1, maxNorm / (norm + 1e-6)). */
export function clipCoefficient(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}
