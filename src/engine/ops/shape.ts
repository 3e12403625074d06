/** Shape ops (Reshape, Transpose, Concat, Slice, Expand, ...): shape inference and gradient rules. */
import { attrInt, attrInts, type TensorType } from '../attrs.js';
import { type Dim, dimAdd, dimEq, dimSub, formatShape, normDim } from '../dims.js';
import type { DType } from '../dtype.js';
import { GraphBuildError } from '../errors.js';
import { broadcastShapes, fail, req, sameDtype } from './infer.js';
import type { OpSpec } from './registry.js';

const same = (inputs: ReadonlyArray<TensorType | null>): TensorType => req(inputs[0], 'data');

export const shapeOps: Record<string, OpSpec> = {
  Reshape: {
    infer: (inputs, _a, meta) => {
      if (!meta.shape) fail('target shape must be given when the op is built');
      return [{ dtype: same(inputs).dtype, shape: meta.shape }];
    },
    grad: (ctx, n, [dy]) => [dy ? ctx.g.reshape(dy, n.inputs[0]!.shape) : null, null],
  },
  Transpose: {
    infer: (inputs, attrs) => {
      const x = same(inputs);
      const perm = attrInts(attrs, 'perm') ?? x.shape.map((_, i) => x.shape.length - 1 - i);
      const sorted = [...perm].sort((a, b) => a - b);
      if (perm.length !== x.shape.length || sorted.some((v, i) => v !== i)) fail(`perm [${perm.join(', ')}] is not a permutation of rank ${x.shape.length}`);
      return [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy) return [null];
      const perm = attrInts(n.attrs, 'perm') ?? n.inputs[0]!.shape.map((_, i, a) => a.length - 1 - i);
      const inv = new Array<number>(perm.length);
      perm.forEach((p, i) => (inv[p] = i));
      return [ctx.g.transpose(dy, inv)];
    },
  },
  Unsqueeze: {
    infer: (inputs, _a, meta) => {
      const x = same(inputs);
      const axes = [...(meta.axes ?? [])].sort((a, b) => a - b);
      const out: Dim[] = [...x.shape];
      for (const a of axes) out.splice(a, 0, 1);
      return [{ dtype: x.dtype, shape: out }];
    },
    grad: (ctx, n, [dy]) => [dy ? ctx.g.squeeze(dy, n.meta.axes as number[]) : null, null],
  },
  Squeeze: {
    infer: (inputs, _a, meta) => {
      const x = same(inputs);
      const axes = meta.axes ?? [];
      for (const a of axes) if (x.shape[a] !== 1) fail(`axis ${a} of ${formatShape(x.shape)} is ${x.shape[a]}, not 1`);
      return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)) }];
    },
    grad: (ctx, n, [dy]) => [dy ? ctx.g.unsqueeze(dy, n.meta.axes as number[]) : null, null],
  },
  Concat: {
    infer: (inputs, attrs) => {
      const xs = inputs.map((t) => req(t, 'input'));
      const axis = attrInt(attrs, 'axis', 0);
      const dtype = sameDtype(xs);
      const rank = xs[0].shape.length;
      let total: Dim = 0;
      for (const x of xs) {
        if (x.shape.length !== rank) fail(`ranks disagree: ${xs.map((t) => formatShape(t.shape)).join(' vs ')}`);
        x.shape.forEach((d, i) => {
          if (i !== axis && !dimEq(d, xs[0].shape[i])) fail(`dimension ${i} disagrees: ${xs.map((t) => formatShape(t.shape)).join(' vs ')}`);
        });
        total = dimAdd(total, x.shape[axis]);
      }
      const out = [...xs[0].shape];
      out[axis] = total;
      return [{ dtype, shape: out }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy) return n.inputs.map(() => null);
      const axis = attrInt(n.attrs, 'axis', 0);
      return ctx.g.split(dy, n.inputs.map((t) => t!.shape[axis]), axis);
    },
  },
  Slice: {
    infer: (inputs, _a, meta) => {
      const x = same(inputs);
      const out: Dim[] = [...x.shape];
      const { axes = [], starts = [], ends = [], steps = [] } = meta;
      axes.forEach((a, i) => {
        const len = dimSub(ends[i], starts[i]);
        if (steps[i] === 1) out[a] = typeof len === 'number' ? Math.max(0, len) : len;
        else if (typeof len === 'number') out[a] = Math.max(0, Math.ceil(len / steps[i]));
        else fail(`step ${steps[i]} needs static bounds on axis ${a}`);
      });
      return [{ dtype: x.dtype, shape: out }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy) return [null];
      const x = n.inputs[0]!;
      const { axes = [], starts = [], ends = [], steps = [] } = n.meta;
      if (steps.some((s) => s !== 1)) throw new GraphBuildError('Slice: gradients are implemented for step 1 only');
      const before: Dim[] = x.shape.map(() => 0);
      const after: Dim[] = x.shape.map(() => 0);
      axes.forEach((a, i) => {
        before[a] = starts[i];
        after[a] = dimSub(x.shape[a], ends[i]);
      });
      return [ctx.g.pad(dy, before, after), null, null, null, null];
    },
  },
  Split: {
    infer: (inputs, _a, meta) => {
      const x = same(inputs);
      const axis = (meta.axes ?? [0])[0];
      const sizes = meta.sizes ?? [];
      const total = sizes.reduce<Dim>((acc, s) => dimAdd(acc, s), 0);
      if (!dimEq(total, x.shape[axis])) fail(`sizes [${sizes.join(', ')}] add up to ${total}, but axis ${axis} of ${formatShape(x.shape)} is ${x.shape[axis]}`);
      return sizes.map((s) => {
        const out = [...x.shape];
        out[axis] = normDim(s);
        return { dtype: x.dtype, shape: out };
      });
    },
    grad: (ctx, n, dys) => {
      const axis = (n.meta.axes as number[])[0];
      if (dys.every((d) => d === null)) return [null, null];
      const parts = n.outputs.map((o, i) => dys[i] ?? ctx.g.zeros(o.dtype, o.shape));
      return [ctx.g.concat(parts, axis), null];
    },
  },
  Expand: {
    infer: (inputs, _a, meta) => {
      const x = same(inputs);
      if (!meta.shape) fail('target shape must be given when the op is built');
      return [{ dtype: x.dtype, shape: broadcastShapes(x.shape, meta.shape) }];
    },
    grad: (ctx, n, [dy]) => [dy ? ctx.unbroadcast(dy, n.inputs[0]!.shape) : null, null],
  },
  Pad: {
    infer: (inputs, _a, meta) => {
      const x = same(inputs);
      const before = meta.starts ?? [];
      const after = meta.ends ?? [];
      return [{ dtype: x.dtype, shape: x.shape.map((d, i) => dimAdd(dimAdd(d, before[i]), after[i])) }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy) return [null, null];
      const x = n.inputs[0]!;
      const before = n.meta.starts as Dim[];
      return [ctx.g.slice(dy, before, x.shape.map((d, i) => dimAdd(d, before[i]))), null];
    },
  },
  Shape: {
    infer: (inputs, attrs) => {
      const x = same(inputs);
      const r = x.shape.length;
      const norm = (v: number) => (v < 0 ? v + r : Math.min(v, r));
      const start = norm(attrInt(attrs, 'start', 0));
      const end = norm(attrInt(attrs, 'end', r));
      return [{ dtype: 'int64', shape: [Math.max(0, end - start)] }];
    },
  },
  ConstantOfShape: {
    infer: (_inputs, attrs, meta) => {
      const v = attrs.value;
      const dtype: DType = v && v.type === 'tensor' ? v.value.dtype : 'float32';
      if (!meta.shape) fail('target shape must be given when the op is built');
      return [{ dtype, shape: meta.shape }];
    },
  },
  Range: {
    infer: (inputs, _a, meta) => {
      const start = req(inputs[0], 'start');
      if (!meta.shape) fail('output length must be given when the op is built');
      return [{ dtype: start.dtype, shape: meta.shape }];
    },
  },
};
