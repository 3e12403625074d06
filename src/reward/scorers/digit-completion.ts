/**
 * Digit completion (verl's former tests/e2e arithmetic-sequence task). A prompt "a,b:M,N" starts an
 * arithmetic sequence a, b with common difference (b − a) mod M and values mod M; the answer is the next N
 * numbers joined by commas. The reward is dense, one value per response character (the character tokenizer
 * makes each a token): every character that matches the answer, in order from the start, earns
 * 1/(len(answer) + 1); the first mismatch ends the reward. One more value follows for the EOS token: the last
 * character's reward, or (empty response) 1 if the answer is empty, else 0 — verl padded the rest of the
 * response with that value.
 */

/** Parse "a,b:M,N". */
export function parseDigitPrompt(prompt: string): { first: number; second: number; maxNumber: number; count: number } {
  const m = /^\s*(\d+),(\d+):(\d+),(\d+)\s*$/.exec(prompt);
  if (!m) throw new TypeError(`digit_completion: prompt must look like 'a,b:M,N', got '${prompt}'`);
  const [first, second, maxNumber, count] = m.slice(1).map(Number);
  if (maxNumber <= 0) throw new TypeError(`digit_completion: the modulus in '${prompt}' must be positive`);
  return { first, second, maxNumber, count };
}

/** The expected answer for a prompt (verl's generate_ground_truth_response). */
export function digitCompletionAnswer(prompt: string): string {
  const { first, second, maxNumber, count } = parseDigitPrompt(prompt);
  const mod = (x: number) => ((x % maxNumber) + maxNumber) % maxNumber;
  const diff = mod(second - first);
  const out: string[] = [];
  let last = second;
  for (let i = 0; i < count; i++) {
    last = mod(last + diff);
    out.push(String(last));
  }
  return out.join(',');
}

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
