// The example at the top of docs/engine.md, run as written (deterministic init instead of Math.random).
import { expect, it } from 'vitest';
import { AdamW, Engine, Graph, GradRunner, LrScheduler, ParameterStore, nn } from '../../src/engine/index.js';

it('docs/engine.md example: build, differentiate, run, update', async () => {
  const params = new ParameterStore();
  params.add('w1', [16, 4], Float32Array.from({ length: 64 }, (_, i) => Math.sin(i) * 0.5)); // [out, in]
  params.add('b1', [16], { dtype: 'float32' });
  params.add('w2', [1, 16], { dtype: 'float32', fill: 0.01 });

  const g = new Graph('mlp');
  const w = params.declareIn(g);
  const x = g.input('x', 'float32', ['N', 4]);
  const y = nn.linear(g.tanh(nn.linear(x, w.w1, w.b1)), w.w2);
  g.output('y', y);

  const engine = new Engine();
  const runner = await GradRunner.create(engine, g, { outputs: ['y'], wrt: params.names() });

  const feeds = { x: { data: new Float32Array(8 * 4).fill(0.3), dims: [8, 4] } };
  const opt = new AdamW(params, { lr: 1e-2, betas: [0.9, 0.999], weightDecay: 0.01 });
  const sched = new LrScheduler(1e-2, { schedulerType: 'cosine', totalSteps: 100, warmupStepsRatio: 0.1 });
  const losses: number[] = [];
  for (let step = 0; step < 30; step++) {
    const { outputs, tape } = await runner.forward(feeds, { params });
    const pred = outputs.y.data as Float32Array;
    losses.push(pred.reduce((a, p) => a + (p - 1) ** 2, 0) / pred.length);
    const dLdy = pred.map((p) => (2 * (p - 1)) / pred.length);
    const grads = await runner.backward(tape, { y: dLdy });
    expect(Object.keys(grads).sort()).toEqual(['b1', 'w1', 'w2']);
    const { gradNorm, skipped } = opt.step(grads, { lr: sched.lr(step), maxGradNorm: 1.0 });
    expect(skipped).toBe(false);
    expect(gradNorm).toBeGreaterThan(0);
  }
  expect(losses[29]).toBeLessThan(losses[0] * 0.5);
  const scored = await runner.scoring.run(feeds, { params });
  expect(scored.y.dims).toEqual([8, 1]);
  await engine.dispose();
});
