/**
 * The live names of every user-extensible registry, for config validation. Read after plugins load, so a
 * plugin's names are accepted. This is where the config layer meets the algorithm and reward layers.
 */
import { advantageEstimatorNames, klPenaltyNames, lossAggModeNames, policyLossNames } from '../algos/index.js';
import type { RegistryKind } from '../config/schema/dsl.js';
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
