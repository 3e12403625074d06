/**
 * Digit-completion scorer (the task and its answer: src/tasks/digit-completion.ts). The reward is dense, one
 * value per response character (the character tokenizer makes each a token): every character that matches the
 * answer, in order from the start, earns 1/(len(answer) + 1); the first mismatch ends the reward. One more value
 * follows for the EOS token: the last character's reward, or (empty response) 1 if the answer is empty, else 0 —
 * verl padded the rest of the response with that value.
 */

/** Dense reward: one value per character of `solution` (EOS characters "E" removed) plus one for the EOS. */
export function digitCompletionScore(solution: string, groundTruth: string, sequenceReward = 1.0): number[] {
  if (typeof groundTruth !== 'string') throw new TypeError(`digit_completion: ground_truth must be the answer string, got ${JSON.stringify(groundTruth)}`);
  const response = solution.replaceAll('E', '');
  // verl computed this in float32 (np.float32 reward array).
  const perToken = Math.fround(sequenceReward / (groundTruth.length + 1));
  const rewards = new Array<number>(response.length).fill(0);
  let matched = 0;
  for (let i = 0; i < response.length; i++) {
    if (matched === groundTruth.length) break;
    if (response[i] !== groundTruth[matched]) break;
    rewards[i] = perToken;
    matched++;
  }
  const last = rewards.length > 0 ? rewards[rewards.length - 1] : groundTruth.length === 0 ? 1 : 0;
  rewards.push(last);
  return rewards;
}
