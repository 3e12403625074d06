// Regression guard for autodiff refactors: the forward-with-saved-outputs and backward graphs that grad() builds
// for the model training graphs (every save policy) and a few engine graphs must stay byte-identical. The
// hashes were recorded before grad() was split into stages; a change to them means the graphs changed.
// If a change is intended (a new gradient rule, a different store/recompute choice), re-record them with
// PRINT_GRAPH_HASHES=1 and say why in the commit.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Graph, ParameterStore, grad, serializeGraph, type GradOptions, type SavePolicy, type Tensor } from '../../src/engine/index.js';
import { buildTokenStatsGraph, buildValueGraph, expectedTensors, parseHfConfig, presetConfig, type ModelHead, type ModelSpec } from '../../src/models/index.js';
import { layerInputsOf } from '../../src/models/compute/decoder.js';

const TINY = { hidden_size: 8, intermediate_size: 12, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 11 };

const SPECS: Record<string, ModelSpec> = {
  llama: parseHfConfig({ ...presetConfig('llama'), ...TINY, attention_bias: true, mlp_bias: true }),
  qwen3: parseHfConfig({ ...presetConfig('qwen3'), ...TINY, head_dim: 4, pad_token_id: 0 }),
};

const POLICIES = ['all', 'matmul', 'none', 'layer-inputs'] as const;

function paramsOf(spec: ModelSpec, head: ModelHead): ParameterStore {
  const params = new ParameterStore();
  for (const t of expectedTensors(spec, head)) params.add(t.name, t.shape, { dtype: 'float32' });
  return params;
}

/** What HfModel hands grad() for a model save policy ('layer-inputs' keeps each decoder layer's input). */
function savePolicyOf(policy: (typeof POLICIES)[number], graph: Graph): SavePolicy {
  if (policy !== 'layer-inputs') return policy;
  const kept = layerInputsOf(graph);
  return (t: Tensor) => kept.has(t);
}

const sha = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

/** One hash over both serialised graphs and the name maps grad() returns. */
function gradHash(graph: Graph, options: GradOptions): string {
  const r = grad(graph, options);
  const names = JSON.stringify({ saved: r.saved, upstream: r.upstream, gradients: r.gradients, unreachable: r.unreachable });
  return sha(`${sha(serializeGraph(r.forward))} ${sha(serializeGraph(r.backward))} ${sha(names)}`);
}

function modelHashes(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, spec] of Object.entries(SPECS)) {
    for (const policy of POLICIES) {
      const lmParams = paramsOf(spec, 'causal-lm');
      const stats = buildTokenStatsGraph(spec, lmParams, 'float32', { entropy: true, sumPiSquared: false });
      out[`${name}.token_stats.${policy}`] = gradHash(stats, { outputs: ['log_probs', 'entropy'], wrt: lmParams.names(), save: savePolicyOf(policy, stats) });
      const criticParams = paramsOf(spec, 'token-classification');
      const values = buildValueGraph(spec, criticParams, 'float32');
      out[`${name}.values.${policy}`] = gradHash(values, { outputs: ['values'], wrt: criticParams.names(), save: savePolicyOf(policy, values) });
    }
  }
  return out;
}

/** Engine graphs for the corners: broadcast gradients, one tensor seeded through two outputs, an unreachable wrt, int paths. */
function engineHashes(): Record<string, string> {
  const g = new Graph('corners');
  const x = g.input('x', 'float64', ['B', 3]);
  const w = g.param('w', 'float64', [3, 4]);
  const b = g.param('b', 'float64', [4]);
  const unused = g.param('unused', 'float64', [2]);
  const h = g.tanh(g.add(g.matmul(x, w), b));
  const idx = g.cast(g.greater(h, 0), 'int64');
  const y = g.softmax(g.mul(h, g.cast(idx, 'float64')), -1);
  g.output('y', y);
  g.output('y_again', y);
  g.output('s', g.reduceSum(g.mul(h, h), [1], false));
  void unused;
  const out: Record<string, string> = {};
  for (const save of ['all', 'matmul', 'none'] as const) {
    out[`corners.${save}`] = gradHash(g, { outputs: ['y', 's', 'y_again'], wrt: ['x', 'w', 'b', 'unused'], save });
  }
  out['corners.predicate'] = gradHash(g, { outputs: ['s'], wrt: ['w', 'b'], save: (t) => t === h });
  return out;
}

const RECORDED: Record<string, string> = {
  'llama.token_stats.all': 'a689039192180a66',
  'llama.values.all': '7e785cc931ec5376',
  'llama.token_stats.matmul': '0fc1051e9cfc711a',
  'llama.values.matmul': '14bb5994a61d0ca0',
  'llama.token_stats.none': '359b7fd1a9c80748',
  'llama.values.none': 'e873af52d86fdb86',
  'llama.token_stats.layer-inputs': '2ec02fbd482c32d4',
  'llama.values.layer-inputs': 'ba623ae294759005',
  'qwen3.token_stats.all': '0deef052efcb5bff',
  'qwen3.values.all': '4795a685efc5572f',
  'qwen3.token_stats.matmul': '4fb27dc457cb3424',
  'qwen3.values.matmul': 'b3e7fb3a489c9738',
  'qwen3.token_stats.none': 'b5c7460df194f73d',
  'qwen3.values.none': '31e7d94bfda149c9',
  'qwen3.token_stats.layer-inputs': 'f9aae4da80e0ec9b',
  'qwen3.values.layer-inputs': 'fe4feb829e6fb5e8',
  'corners.all': '229a32775f9730c3',
  'corners.matmul': '0bea601810409f77',
  'corners.none': '8b264380f10756d7',
  'corners.predicate': 'e4a22e2f39778b36',
};

describe('backward graphs (regression guard for autodiff refactors)', () => {
  it('grad() builds the same forward and backward graphs as when the hashes were recorded', () => {
    const hashes = { ...modelHashes(), ...engineHashes() };
    if (process.env.PRINT_GRAPH_HASHES) process.stdout.write(`${JSON.stringify(hashes, null, 2)}\n`);
    expect(hashes).toEqual(RECORDED);
  });

  it('the hash sees a change of save policy and of differentiated outputs', () => {
    const hashes = modelHashes();
    expect(new Set(Object.values(hashes)).size).toBe(Object.keys(hashes).length);
  });
});
