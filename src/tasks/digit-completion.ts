/**
 * The digit-completion task (verl's former tests/e2e arithmetic-sequence task): a prompt "a,b:M,N" starts an
 * arithmetic sequence a, b with common difference (b − a) mod M and values mod M; the answer is the next N
 * numbers joined by commas. Shared by the preprocessor, which writes the answer as the ground truth, and the
 * scorer.
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
