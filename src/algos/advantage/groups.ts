/** Grouping rows by uid, and the input checks shared by the estimators. */
import { InputError } from '../../util/errors.js';
import type { Mat } from '../mat.js';
import { assertRowVector, assertSameShape } from '../mat.js';
import type { AdvantageInput, GroupLabel } from './types.js';

/** Row indices of each group, groups in order of first appearance, rows in batch order. */
export function groupRows(index: ReadonlyArray<GroupLabel>): number[][] {
  const byLabel = new Map<GroupLabel, number[]>();
  index.forEach((label, i) => {
    let rows = byLabel.get(label);
    if (rows === undefined) {
      rows = [];
      byLabel.set(label, rows);
    }
    rows.push(i);
  });
  return [...byLabel.values()];
}

export function requireIndex(input: AdvantageInput, estimator: string): ReadonlyArray<GroupLabel> {
  const { index } = input;
  if (index === undefined) {
    throw new InputError(`advantage estimator '${estimator}' groups responses by uid and needs 'index' (one uid per row)`);
  }
  assertRowVector(index, input.tokenLevelRewards, 'index', `advantage estimator '${estimator}'`);
  return index;
}

export function requireMat(input: AdvantageInput, key: 'values' | 'oldLogProbs' | 'sumPiSquared', estimator: string, hint = ''): Mat {
  const m = input[key];
  if (m === undefined) throw new InputError(`advantage estimator '${estimator}' needs '${key}'${hint}`);
  assertSameShape(m, input.tokenLevelRewards, key, 'tokenLevelRewards', `advantage estimator '${estimator}'`);
  return m;
}

export function checkBase(input: AdvantageInput, estimator: string): void {
  assertSameShape(input.responseMask, input.tokenLevelRewards, 'responseMask', 'tokenLevelRewards', `advantage estimator '${estimator}'`);
}
