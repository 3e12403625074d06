import { describe, expect, it } from 'vitest';
import { Batch, BatchError } from '../../src/data/batch.js';
import { Tensor } from '../../src/data/tensor.js';
import { batchToArrow } from '../../src/data/arrow.js';

function sample(n = 4): Batch {
  return Batch.from({
    tensors: {
      input_ids: Tensor.fromRows('int32', Array.from({ length: n }, (_x, i) => [i, i + 10, i + 20])),
      score: new Tensor(Float32Array.from({ length: n }, (_x, i) => i / 2), [n]),
    },
    nonTensors: { uid: Array.from({ length: n }, (_x, i) => `u${i}`), reward_model: Array.from({ length: n }, (_x, i) => ({ ground_truth: String(i) })) },
    meta: { step: 3 },
  });
}

describe('Batch', () => {
  it('rejects columns of different lengths', () => {
    expect(() => Batch.from({ tensors: { a: Tensor.zeros('int32', [2, 3]) }, nonTensors: { b: [1, 2, 3] } })).toThrow(
      new BatchError("batch columns differ in length: 'a' has 2 rows, 'b' has 3"),
    );
  });

  it('names the missing column, the columns it has and the closest name', () => {
    expect(() => sample().tensor('input_id')).toThrow(
      "batch has no tensor column 'input_id'. Columns: input_ids, score, uid, reward_model. Did you mean 'input_ids'?",
    );
    expect(() => sample().ints('score')).toThrow("batch column 'score' is float32, expected int32");
  });

  it('selects and drops columns, keeping meta', () => {
    const b = sample().select(['uid', 'input_ids']);
    expect(b.columnNames()).toEqual(['input_ids', 'uid']);
    expect(b.meta).toEqual({ step: 3 });
    expect(sample().drop(['score']).has('score')).toBe(false);
  });

  it('slices, takes and splits rows', () => {
    const b = sample();
    expect(b.slice(1, 3).tensor('input_ids').toNested()).toEqual([[1, 11, 21], [2, 12, 22]]);
    expect(b.take([3, 0, 3]).column('uid')).toEqual(['u3', 'u0', 'u3']);
    expect(b.take([2, 0]).tensor('score').toNested()).toEqual([1, 0]);
    expect(b.split(2).map((x) => x.column('uid'))).toEqual([['u0', 'u1'], ['u2', 'u3']]);
    expect(b.split(3).map((x) => x.size)).toEqual([3, 1]);
    expect(() => b.split(3, { exact: true, what: 'ppo_mini_batch_size' })).toThrow(
      'ppo_mini_batch_size 3 does not divide the batch of 4 rows (4 = 1 × 3 + 1)',
    );
    expect(b.chunk(3).map((x) => x.size)).toEqual([2, 1, 1]);
    expect(() => b.take([4])).toThrow('row index 4 is out of range for a batch of 4');
  });

  it('repeats interleaved (row i → rows i·n … i·n+n−1) or tiled', () => {
    const b = sample(2);
    expect(b.repeat(3).column('uid')).toEqual(['u0', 'u0', 'u0', 'u1', 'u1', 'u1']);
    expect(b.repeat(3).tensor('input_ids').toNested()[3]).toEqual([1, 11, 21]);
    expect(b.repeat(2, { interleave: false }).column('uid')).toEqual(['u0', 'u1', 'u0', 'u1']);
  });

  it('concatenates batches with the same columns', () => {
    const b = sample();
    const c = Batch.concat([b.slice(0, 1), b.slice(1)]);
    expect(c.tensor('input_ids').toNested()).toEqual(b.tensor('input_ids').toNested());
    expect(c.column('uid')).toEqual(b.column('uid'));
    expect(() => Batch.concat([b, b.drop(['uid'])])).toThrow(/Batch.concat: batch 1 has columns/);
  });

  it('unions columns and refuses conflicting ones', () => {
    const b = sample();
    const extra = Batch.from({ nonTensors: { data_source: ['a', 'b', 'c', 'd'] }, meta: { n: 1 } });
    const u = b.union(extra);
    expect(u.column('data_source')).toEqual(['a', 'b', 'c', 'd']);
    expect(u.meta).toEqual({ step: 3, n: 1 });
    expect(b.union(b.select(['uid'])).column('uid')).toEqual(b.column('uid'));
    const clash = Batch.from({ nonTensors: { uid: ['x', 'y', 'z', 'w'] } });
    expect(() => b.union(clash)).toThrow("Batch.union: column 'uid' exists in both batches with different values");
  });

  it('pads a tensor column on either side', () => {
    const b = sample(2);
    expect(b.padTensor('input_ids', 5, { value: -1 }).tensor('input_ids').toNested()).toEqual([
      [0, 10, 20, -1, -1],
      [1, 11, 21, -1, -1],
    ]);
    expect(b.padTensor('input_ids', 4, { value: 9, side: 'left' }).tensor('input_ids').toNested()[1]).toEqual([9, 1, 11, 21]);
    expect(() => b.padTensor('input_ids', 2)).toThrow('padTo: width 2 is smaller than the current width 3');
  });

  it('copies on slice so a slice does not alias its source', () => {
    const b = sample(2);
    const s = b.slice(0, 1);
    s.tensor('input_ids').data[0] = 99;
    expect(b.tensor('input_ids').data[0]).toBe(0);
  });

  it('converts to an Arrow table', () => {
    const b = sample(2).withColumn('prompt', [[{ role: 'user', content: 'hi' }], []]);
    const table = batchToArrow(b);
    expect(table.numRows).toBe(2);
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'input_ids:FixedSizeList[3]<Int32>',
      'score:Float32',
      'uid:Utf8',
      'reward_model:Struct<{ground_truth:Utf8}>',
      'prompt:List<Struct<{role:Utf8, content:Utf8}>>',
    ]);
    expect(Array.from(table.getChild('input_ids')?.get(1) as Int32Array)).toEqual([1, 11, 21]);
    expect(table.getChild('reward_model')?.get(1)?.toJSON()).toEqual({ ground_truth: '1' });
    expect(table.getChild('prompt')?.get(0)?.get(0)?.toJSON()).toEqual({ role: 'user', content: 'hi' });
  });
});
