import { CausalLM } from '../../src/models/index.js';
const lm = CausalLM.fromDir('/work/main/examples/digit_completion/model');
const B = Number(process.argv[2] ?? 64), P = 16, R = 24, T = P + R;
const ids = new Int32Array(B * T); for (let i = 0; i < ids.length; i++) ids[i] = 3 + (i * 7) % 12;
const batch = { batchSize: B, length: T, inputIds: ids, attentionMask: new Int32Array(B * T).fill(1), responseLength: R };
const up = new Float32Array(B * R).fill(1 / (B * R));
for (let k = 0; k < 6; k++) {
  const t0 = performance.now();
  const s = await lm.scoreTokens(batch, { withEntropy: true });
  const t1 = performance.now();
  const pass = await lm.forward(batch, {});
  const t2 = performance.now();
  await lm.backward(pass, { logProbs: up });
  const t3 = performance.now();
  console.log(`score ${(t1 - t0).toFixed(1)} ms, fwd ${(t2 - t1).toFixed(1)} ms, bwd ${(t3 - t2).toFixed(1)} ms`);
}
