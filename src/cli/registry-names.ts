/**
 * The live names of every user-extensible registry, and what the registered estimators and losses declare they
 * need, for config validation. Read after plugins load, so a plugin's names and declarations count. This is
 * where the config layer meets the algorithm and reward layers.
 */
import {
  advantageEstimatorNames,
  advantageEstimatorNeeds,
  klPenaltyNames,
  lossAggModeNames,
  policyLossNames,
  policyLossNeeds,
} from '../algos/index.js';
import type { RegistryKind } from '../config/schema/dsl.js';
import type { AlgorithmNeedsLookup } from '../config/schema/ppo-checks.js';
import { rewardManagerNames } from '../reward/index.js';

export function registryNames(kind: RegistryKind): readonly string[] {
  switch (kind) {
    case 'advantageEstimators':
      return advantageEstimatorNames();
    case 'policyLosses':
      return policyLossNames();
    case 'lossAggModes':
      return lossAggModeNames();
    case 'klEstimators':
      return klPenaltyNames();
    case 'rewardManagers':
      return rewardManagerNames();
  }
}

export const algorithmNeeds: AlgorithmNeedsLookup = {
  estimator: advantageEstimatorNeeds,
  policyLoss: policyLossNeeds,
};
