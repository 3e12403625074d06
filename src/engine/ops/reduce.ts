/** Reductions and their relatives (ReduceSum/Mean/Max/LogSumExp, Softmax, LogSoftmax, CumSum): shape inference and gradient rules. */
import { attrInt, type TensorType } from '../attrs.js';
import { type Dim, dimProduct } from '../dims.js';
import type { Node, Tensor } from '../graph.js';
import { fail, req, requireFloat } from './infer.js';
import type { GradContext, OpSpec } from './registry.js';

function reduceInfer(inputs: ReadonlyArray<TensorType | null>, keepdims: boolean, axes: readonly number[]): TensorType[] {
  const x = req(inputs[0], 'data');
  const out: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return [{ dtype: x.dtype, shape: out }];
}

function reduceSpec(grad?: (ctx: GradContext, n: Node, dyKeep: Tensor, yKeep: () => Tensor) => Tensor): OpSpec {
  return {
    infer: (inputs, attrs, meta) => {
      if (!meta.axes) fail('axes must be given when the op is built');
      return reduceInfer(inputs, attrInt(attrs, 'keepdims', 1) === 1, meta.axes);
    },
    grad: grad
      ? (ctx, n, [dy]) => {
          if (!dy) return [null, null];
          const keep = attrInt(n.attrs, 'keepdims', 1) === 1;
          const axes = n.meta.axes as readonly number[];
          const restore = (t: Tensor) => (keep ? t : ctx.g.unsqueeze(t, axes));
          return [grad(ctx, n, restore(dy), () => restore(ctx.output(0))), null];
        }
      : undefined,
  };
}

function expandTo(ctx: GradContext, t: Tensor, shape: readonly Dim[]): Tensor {
  return ctx.g.expand(t, shape);
}

/** Number of reduced elements as a scalar of `like`'s dtype (computed at run time for symbolic dims). */
function reducedCount(ctx: GradContext, n: Node, like: Tensor): Tensor {
  const x = n.inputs[0]!;
  const count = dimProduct((n.meta.axes as readonly number[]).map((a) => x.shape[a]));
  if (typeof count === 'number') return ctx.g.scalar(count, like.dtype);
  return ctx.g.cast(ctx.g.dimValue(count), like.dtype);
}

function softmaxInfer(inputs: ReadonlyArray<TensorType | null>): TensorType[] {
  const x = req(inputs[0], 'input');
  requireFloat(x, 'input');
  return [{ dtype: x.dtype, shape: x.shape }];
}

export const reduceOps: Record<string, OpSpec> = {
  Softmax: {
    infer: softmaxInfer,
    grad: (ctx, n, [dy]) => {
      if (!dy) return [null];
      const { g } = ctx;
      const y = ctx.output(0);
      const axis = attrInt(n.attrs, 'axis', -1);
      const dot = g.reduceSum(g.mul(dy, y), [axis], true);
      return [g.mul(y, g.sub(dy, dot))];
    },
  },
  LogSoftmax: {
    infer: softmaxInfer,
    grad: (ctx, n, [dy]) => {
      if (!dy) return [null];
      const { g } = ctx;
      const axis = attrInt(n.attrs, 'axis', -1);
      return [g.sub(dy, g.mul(g.exp(ctx.output(0)), g.reduceSum(dy, [axis], true)))];
    },
  },
  ReduceSum: reduceSpec((ctx, n, dy) => expandTo(ctx, dy, n.inputs[0]!.shape)),
  ReduceMean: reduceSpec((ctx, n, dy) => expandTo(ctx, ctx.g.div(dy, reducedCount(ctx, n, dy)), n.inputs[0]!.shape)),
  ReduceMax: reduceSpec((ctx, n, dy, y) => {
    // Ties share the gradient equally.
    const { g } = ctx;
    const x = ctx.input(0);
    const mask = g.cast(g.equal(x, y()), x.dtype);
    const count = g.reduceSum(mask, n.meta.axes as readonly number[], true);
    return g.mul(mask, g.div(dy, count));
  }),
  ReduceLogSumExp: reduceSpec((ctx, _n, dy, y) => ctx.g.mul(dy, ctx.g.exp(ctx.g.sub(ctx.input(0), y())))),
  CumSum: {
    infer: (inputs) => {
      const x = req(inputs[0], 'x');
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy) return [null, null];
      const reverse = attrInt(n.attrs, 'reverse', 0) === 1 ? 0 : 1;
      const exclusive = attrInt(n.attrs, 'exclusive', 0);
      const axis = (n.meta.axes as readonly number[])[0];
      const out = ctx.g.apply('CumSum', [dy, ctx.g.scalar(axis, 'int64')], { reverse: { type: 'int', value: reverse }, exclusive: { type: 'int', value: exclusive } }, { axes: [axis] });
      return [out[0], null];
    },
  },
};
