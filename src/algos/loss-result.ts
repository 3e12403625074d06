/**
 * What every loss returns: the scalar, its metrics (verl's names), and the exact gradient of the scalar with
 * respect to each differentiable input, flattened like that input (row-major for [B, T] inputs).
 */
export interface LossResult<G extends string = string> {
  loss: number;
  metrics: Record<string, number>;
  grad: Record<G, Float64Array>;
}

/**
 * torch's gradient routing for maximum(a, b) / minimum(a, b): the selected branch gets the whole gradient,
 * and on a tie each branch gets half. Returns the share of the first argument.
 */
export function maxShare(a: number, b: number): number {
  return a > b ? 1 : a < b ? 0 : 0.5;
}

export function minShare(a: number, b: number): number {
  return a < b ? 1 : a > b ? 0 : 0.5;
}

/** torch.clamp's gradient gate: the gradient passes where lo ≤ x ≤ hi (bounds inclusive). */
export function clampGate(x: number, lo: number, hi: number): number {
  return x >= lo && x <= hi ? 1 : 0;
}

/** torch.clamp's value: min(max(x, lo), hi) (so hi wins if lo > hi; NaN stays NaN). */
export function clamp(x: number, lo: number, hi: number): number {
  const y = x < lo ? lo : x;
  return y > hi ? hi : y;
}
