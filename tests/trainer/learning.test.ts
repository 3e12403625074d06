/**
 * Learning, not just mechanics: from the shipped SFT warm start, GRPO and PPO (GAE with a critic) raise the
 * greedy validation reward on the 200 held-out digit-completion prompts by a clear margin in a few dozen seeded
 * steps (+0.19 and +0.24 in 40 steps on the development machine; the test asks for +0.1). Margins are asserted,
 * never times.
 */
import { describe, expect, it } from 'vitest';
import { train } from './run-helpers.js';

const STEPS = 40;
const COMMON = [`trainer.total_training_steps=${STEPS}`, `trainer.test_freq=${STEPS}`];

describe('RL raises the validation reward from the warm start', () => {
  it('GRPO', async () => {
    const run = await train([...COMMON, 'algorithm.adv_estimator=grpo']);
    const { valBefore, valAfter } = run.summary;
    expect(valBefore).toBeCloseTo(0.3852, 3);
    expect((valAfter as number) - (valBefore as number)).toBeGreaterThan(0.1);
  }, 240_000);

  it('PPO with GAE and a critic', async () => {
    const run = await train([...COMMON, 'algorithm.adv_estimator=gae']);
    const { valBefore, valAfter } = run.summary;
    expect(run.metrics.at(-1)?.data['critic/vf_loss']).toBeTypeOf('number');
    expect((valAfter as number) - (valBefore as number)).toBeGreaterThan(0.1);
  }, 240_000);
});
