import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseHfConfig } from '../../src/models/hf/config.js';
import { invFreqForLength } from '../../src/models/hf/rope.js';

interface RopeCase {
  name: string;
  config: Record<string, unknown>;
  inv_freq: number[];
  attention_scaling: number;
  dynamic_at?: Array<{ seq_len: number; inv_freq: number[] }>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/models/rope.json', import.meta.url), 'utf8')) as { cases: RopeCase[] };

/** Distance in float32 units in the last place (both values are positive float32 numbers). */
function ulps(a: number, b: number): number {
  const bits = new Uint32Array(new Float32Array([a, b]).buffer);
  return Math.abs(bits[0] - bits[1]);
}

let differing = 0;
let total = 0;
function compare(got: Float32Array, want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((v, i) => {
    total++;
    const d = ulps(v, want[i]);
    // torch's SLEEF powf is 1-ulp accurate; ours is correctly rounded (see rope.ts).
    expect(d, `${what}[${i}]: ${v} vs transformers ${want[i]}`).toBeLessThanOrEqual(1);
    if (d !== 0) differing++;
  });
}

describe('rope inv_freq against transformers 5.18 (float32)', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const spec = parseHfConfig(c.config, { where: c.name });
      compare(spec.rope.invFreq, c.inv_freq, c.name);
      expect(spec.rope.attentionScaling).toBe(c.attention_scaling);
      for (const d of c.dynamic_at ?? []) compare(invFreqForLength(spec.rope, d.seq_len), d.inv_freq, `${c.name} at seq_len ${d.seq_len}`);
    });
  }
  it('is bit-exact for all but a handful of elements', () => {
    expect(total).toBeGreaterThan(200);
    expect(differing).toBeLessThanOrEqual(2);
  });
});

describe('rope settings', () => {
  const base = { model_type: 'llama', hidden_size: 64, num_attention_heads: 4 };
  it('reads the transformers-4 and transformers-5 layouts alike', () => {
    const v4 = parseHfConfig({ ...base, rope_theta: 5000, rope_scaling: { type: 'linear', factor: 2 } });
    const v5 = parseHfConfig({ ...base, rope_parameters: { rope_type: 'linear', rope_theta: 5000, factor: 2 } });
    expect(v4.rope).toEqual(v5.rope);
    expect(v4.rope).toMatchObject({ ropeType: 'linear', theta: 5000, factor: 2, rotaryDim: 16 });
  });
  it('fills llama3 original_max_position_embeddings from max_position_embeddings', () => {
    const s = parseHfConfig({ ...base, max_position_embeddings: 4096, rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4 } });
    expect(s.rope.originalMaxPositionEmbeddings).toBe(4096);
  });
  it('refuses rope types it does not implement, naming them', () => {
    expect(() => parseHfConfig({ ...base, rope_scaling: { rope_type: 'yarn', factor: 4 } }, { where: 'm/config.json' })).toThrow(
      "m/config.json: rope_type 'yarn' (in 'rope_scaling') is not supported by verl-ts. Supported: default, linear, dynamic, llama3.",
    );
    expect(() => parseHfConfig({ ...base, rope_parameters: { rope_type: 'llama3', factor: 8 } }, { where: 'c' })).toThrow(
      "c: 'rope_parameters' with rope_type 'llama3' needs 'low_freq_factor'",
    );
    expect(() => parseHfConfig({ ...base, partial_rotary_factor: 0.5 }, { where: 'c' })).toThrow(
      'c: partial_rotary_factor=0.5 is not supported by verl-ts (only full rotary embeddings, factor 1.0)',
    );
  });
});
