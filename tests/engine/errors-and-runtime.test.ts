// Readable build and run errors, graph dumps, session cache, device errors.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, EngineInputError, EngineSetupError, Graph, GradRunner, GraphBuildError, ParameterStore, dumpGraph, grad, serializeGraph } from '../../src/engine/index.js';
import { engine } from './helpers.js';
import { makeTempDir } from '../support/temp-dir.js';

const F = 'float32';

describe('build-time errors name the op, both shapes and the dimension', () => {
  it('MatMul inner dimensions', () => {
    const g = new Graph('g');
    expect(() => g.matmul(g.input('x', F, ['B', 'T', 64]), g.input('w', F, [32, 16]))).toThrow(
      'MatMul: inner dimensions disagree: A [B, T, 64] has 64 columns, B [32, 16] has 32 rows (inputs: x: float32[B, T, 64], w: float32[32, 16])',
    );
  });
  it('broadcasting', () => {
    const g = new Graph('g');
    expect(() => g.add(g.input('a', F, ['B', 3, 4]), g.input('b', F, [5, 4]))).toThrow(
      'Add: shapes [B, 3, 4] and [5, 4] do not broadcast: dimension -2 is 3 vs 5 (inputs: a: float32[B, 3, 4], b: float32[5, 4])',
    );
    expect(() => g.add(g.input('c', F, ['T']), g.input('d', F, ['S']))).toThrow('dimension -1 is T vs S');
  });
  it('dtypes, reshape sizes, split sizes, axes', () => {
    const g = new Graph('g');
    const x = g.input('x', F, [2, 6]);
    expect(() => g.add(x, g.input('y', 'float64', [2, 6]))).toThrow('Add: dtypes disagree: float32 vs float64');
    expect(() => g.reshape(x, [5, 2])).toThrow('Reshape: cannot reshape [2, 6] (12 elements) to [5, 2] (10 elements)');
    expect(() => g.split(x, [2, 3], 1)).toThrow('Split: sizes [2, 3] add up to 5, but axis 1 of [2, 6] is 6');
    expect(() => g.reduceSum(x, [2])).toThrow('ReduceSum: axis 2 is out of range for rank 2');
    expect(() => g.param('p', F, ['B', 2])).toThrow("param 'p': parameters need static dims, got [B, 2]");
    expect(() => g.input('x', F, [1])).toThrow("graph 'g' already has a value named 'x'");
  });
  it('slice steps and bounds', () => {
    const g = new Graph('g');
    const x = g.input('x', F, ['T', 4]);
    expect(() => g.slice(x, [0], [2], [0], [-1])).toThrow('Slice: steps must be positive integers, got [-1]');
    expect(() => g.slice(x, [0, 1], [2], [0])).toThrow('Slice: 2 starts and 1 ends for 1 axes');
    expect(g.slice(x, [1], [-1], [0]).shape).toEqual(['T-2', 4]);
    expect(g.slice(x, [0], [Infinity], [1], [2]).shape).toEqual(['T', 2]);
  });
  it('tensors from another graph and unknown ops', () => {
    const a = new Graph('a');
    const b = new Graph('b');
    expect(() => b.neg(a.input('x', F, [1]))).toThrow("Neg: tensor 'x' belongs to graph 'a', not 'b'");
    expect(() => b.apply('Frobnicate', [])).toThrow("unknown op 'Frobnicate': register it with registerOp() first");
  });
  it('gradients: missing rules, unknown names, unreachable parameters', () => {
    const g = new Graph('g');
    const x = g.input('x', F, [3]);
    g.param('unused', F, [2]);
    g.output('y', g.apply('Sign', [x])[0]);
    expect(() => grad(g, { outputs: ['y'], wrt: ['x'] })).toThrow("grad: op Sign (node 'Sign_0') has no gradient rule, but a gradient flows through it");
    expect(() => grad(g, { outputs: ['y'], wrt: ['xx'] })).toThrow("grad: 'xx' is not an input or param of graph 'g'. Did you mean 'x'?");
    expect(() => grad(g, { outputs: ['z'], wrt: ['x'] })).toThrow("graph 'g' has no output 'z'. Did you mean 'y'?");
    const h = new Graph('h');
    h.output('y', h.exp(h.input('x', F, [3])));
    h.param('unused', F, [2]);
    expect(grad(h, { outputs: ['y'], wrt: ['x', 'unused'] }).unreachable).toEqual(['unused']);
  });
  it('build errors are UserErrors (printed without a stack by the CLI)', () => {
    const g = new Graph('g');
    const x = g.input('x', F, [3]);
    expect(() => g.reshape(x, [2])).toThrow(GraphBuildError);
    expect(() => g.reshape(x, [2])).toThrow(expect.objectContaining({ exitCode: 1 }));
  });
});

describe('run-time feed errors', () => {
  const g = new Graph('net');
  const x = g.input('input_ids', 'int64', ['B', 'T']);
  const m = g.input('mask', F, ['B', 'T']);
  const w = g.param('w', F, [2]);
  g.output('y', g.add(g.mul(g.cast(x, F), m), g.reduceSum(w, [0], false)));

  it('names the input and what was expected', async () => {
    const ids = { data: BigInt64Array.from([1n, 2n, 3n, 4n]), dims: [2, 2] };
    const mask = { data: new Float32Array(4), dims: [2, 2] };
    const params = new ParameterStore();
    params.add('w', [2], { dtype: 'float32' });
    await expect(engine.run(g, { input_ids: ids, mask, inputs_ids: ids }, { params })).rejects.toThrow("graph 'net' has no input 'inputs_ids'. Did you mean 'input_ids'?");
    await expect(engine.run(g, { input_ids: ids, mask: { data: new Float64Array(4), dims: [2, 2] } }, { params })).rejects.toThrow(
      "input 'mask' must be float32 (Float32Array), got Float64Array",
    );
    await expect(engine.run(g, { input_ids: ids, mask: { data: new Float32Array(6), dims: [2, 3] } }, { params })).rejects.toThrow(
      "input 'mask' [B, T]: dimension 1 ('T') is 3, but another input set T = 2",
    );
    await expect(engine.run(g, { input_ids: ids, mask: { data: new Float32Array(3), dims: [2, 2] } }, { params })).rejects.toThrow(
      "input 'mask': dims [2, 2] need 4 values, got 3",
    );
    await expect(engine.run(g, { input_ids: ids, mask })).rejects.toThrow("graph 'net': no value for input 'w' (parameters are taken from RunOptions.params)");
    await expect(engine.run(g, { input_ids: ids, mask: new Float32Array(4) }, { params })).rejects.toThrow(
      "input 'mask' has symbolic dims [B, T]: feed it as { data, dims }",
    );
    const ok = await engine.run(g, { input_ids: ids, mask }, { params });
    expect(ok.y.dims).toEqual([2, 2]);
    expect(ok.y.data).toBeInstanceOf(Float32Array);
  });

  it('rejects an unknown fetch', async () => {
    const s = await engine.compile(g);
    await expect(s.run({}, { outputs: ['yy'] })).rejects.toThrow("graph 'net' has no output 'yy'. Did you mean 'y'?");
  });
});

describe('GradRunner upstream checks', () => {
  it('names a missing or unknown upstream gradient', async () => {
    const g = new Graph('up');
    const w = g.param('w', F, [3]);
    g.output('y', g.mul(g.input('x', F, [3]), w));
    const params = new ParameterStore();
    params.add('w', [3], { dtype: 'float32', fill: 1 });
    const runner = await GradRunner.create(engine, g, { outputs: ['y'], wrt: ['w'] });
    const { tape } = await runner.forward({ x: Float32Array.from([1, 2, 3]) }, { params });
    await expect(runner.backward(tape, {})).rejects.toThrow("backward: no upstream gradient for output 'y'");
    await expect(runner.backward(tape, { y: new Float32Array(3), yy: new Float32Array(3) })).rejects.toThrow("backward: 'yy' is not a differentiated output. Did you mean 'y'?");
    await expect(runner.backward(tape, { y: new Float32Array(2) })).rejects.toThrow("input 'grad:y': dims [3] need 3 values, got 2");
    const grads = await runner.backward(tape, { y: Float32Array.from([1, 1, 1]) });
    expect(Array.from(grads.w)).toEqual([1, 2, 3]);
  });
});

describe('runtime', () => {
  it('caches sessions by graph content and options', async () => {
    const e = new Engine();
    const build = () => {
      const g = new Graph('same');
      g.output('y', g.exp(g.input('x', F, [2])));
      return g;
    };
    const a = await e.compile(build());
    const b = await e.compile(build());
    expect(b).toBe(a);
    expect(e.cachedSessions).toBe(1);
    const other = new Engine({ intraOpNumThreads: 1 });
    expect(await other.compile(build())).not.toBe(a);
    await e.dispose();
    expect(e.cachedSessions).toBe(0);
  });

  it('float64 SiLU graphs load with full optimisation (QuickGelu fusion is off)', async () => {
    const g = new Graph('silu64');
    g.output('y', g.silu(g.input('x', 'float64', [3])));
    const out = await engine.run(g, { x: Float64Array.from([-1, 0, 2]) });
    expect((out.y.data as Float64Array)[2]).toBeCloseTo(2 / (1 + Math.exp(-2)), 15);
  });

  it("device 'cuda' without the CUDA provider explains how to install it", async () => {
    const e = new Engine({ device: 'cuda' });
    const g = new Graph('c');
    g.output('y', g.exp(g.input('x', F, [1])));
    const err = await e.compile(g).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(EngineSetupError);
    expect((err as Error).message).toContain("device 'cuda': the CUDA execution provider is not installed");
    expect((err as Error).message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(() => new Engine({ device: 'tpu' as never })).toThrow("unknown device 'tpu': use 'cpu' or 'cuda'");
    expect(() => new Engine({ intraOpNumThreads: 1.5 })).toThrow('intraOpNumThreads must be a non-negative integer, got 1.5');
    expect(() => new Engine({ allowSpinning: 'yes' as never })).toThrow('allowSpinning must be true or false, got yes');
  });

  it('thread spinning is a session option: its own cache entry, the same results', async () => {
    const build = () => {
      const g = new Graph('spin');
      g.output('y', g.matmul(g.input('a', F, [64, 96]), g.input('b', F, [96, 80])));
      return g;
    };
    const a = Float32Array.from({ length: 64 * 96 }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: 96 * 80 }, (_, i) => Math.cos(i));
    const quiet = new Engine({ intraOpNumThreads: 2 });
    const spinning = new Engine({ intraOpNumThreads: 2, allowSpinning: true });
    const [x, y] = [await quiet.compile(build()), await spinning.compile(build())];
    expect(x.key).not.toBe(y.key);
    expect(Array.from((await y.run({ a, b })).y.data as Float32Array)).toEqual(Array.from((await x.run({ a, b })).y.data as Float32Array));
    await quiet.dispose();
    await spinning.dispose();
  });

  it('dumps graphs as text, and as .onnx + .txt files with VERLTS_DUMP_GRAPHS', async () => {
    const g = new Graph('dumped');
    g.output('y', g.mul(g.input('x', F, ['N', 2]), 2));
    expect(dumpGraph(g)).toBe(
      ['graph dumped (opset 23, 1 nodes)', '  input x: float32[N, 2]', '  const const_0: float32[] = {2}', '  y: float32[N, 2] = Mul(x, const_0)', '  output y: float32[N, 2]', ''].join('\n'),
    );
    const dir = makeTempDir('engine-dump-');
    process.env.VERLTS_DUMP_GRAPHS = dir;
    try {
      await new Engine().compile(g);
    } finally {
      delete process.env.VERLTS_DUMP_GRAPHS;
    }
    const files = readdirSync(dir).sort();
    expect(files.map((f) => f.replace(/-[0-9a-f]{10}\./, '.'))).toEqual(['dumped.onnx', 'dumped.txt']);
    expect(Buffer.from(readFileSync(join(dir, files[0])))).toEqual(Buffer.from(serializeGraph(g)));
  });

  it('int64 and bool outputs come back as BigInt64Array and Uint8Array', async () => {
    const g = new Graph('types');
    const x = g.input('x', 'int64', [3]);
    g.output('s', g.cumsum(x, 0));
    g.output('b', g.greater(x, g.scalar(1, 'int64')));
    const out = await engine.run(g, { x: BigInt64Array.from([1n, 2n, 3n]) });
    expect(Array.from(out.s.data as BigInt64Array)).toEqual([1n, 3n, 6n]);
    expect(Array.from(out.b.data as Uint8Array)).toEqual([0, 1, 1]);
  });

  it('EngineInputError is a UserError subclass', () => {
    expect(new EngineInputError('x').exitCode).toBe(1);
  });
});
