/** Indexing ops (Gather, GatherElements, ScatterElements, ScatterND): shape inference and gradient rules. */
import { attrInt } from '../attrs.js';
import { type Dim, dimProduct, formatShape } from '../dims.js';
import { fail, req, requireDtype } from './infer.js';
import type { OpSpec } from './registry.js';

export const indexingOps: Record<string, OpSpec> = {
  Gather: {
    infer: (inputs, attrs) => {
      const data = req(inputs[0], 'data');
      const idx = req(inputs[1], 'indices');
      requireDtype(idx, 'int64', 'indices');
      const r = data.shape.length;
      let axis = attrInt(attrs, 'axis', 0);
      if (axis < 0) axis += r;
      if (axis < 0 || axis >= r) fail(`axis ${attrInt(attrs, 'axis', 0)} out of range for data ${formatShape(data.shape)}`);
      return [{ dtype: data.dtype, shape: [...data.shape.slice(0, axis), ...idx.shape, ...data.shape.slice(axis + 1)] }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy || !ctx.needs(0)) return [null, null];
      const { g } = ctx;
      const data = n.inputs[0]!;
      const idxShape = n.inputs[1]!.shape;
      const r = data.shape.length;
      const q = idxShape.length;
      let axis = attrInt(n.attrs, 'axis', 0);
      if (axis < 0) axis += r;
      // Bring the index dims to the front of dy so rows can be scatter-added along the gathered axis, which
      // itself goes to the front of data (and is moved back afterwards).
      const dyPerm = [
        ...Array.from({ length: q }, (_, i) => axis + i),
        ...Array.from({ length: axis }, (_, i) => i),
        ...Array.from({ length: r - axis - 1 }, (_, i) => axis + q + i),
      ];
      const dyT = axis === 0 ? dy : g.transpose(dy, dyPerm);
      // Scatter-add whole rows. ScatterElements is used rather than ScatterND because ORT's ScatterND
      // reduction runs multi-threaded and sums duplicate ids (repeated tokens) in a varying order, which made
      // embedding gradients differ bit-wise between identical runs; ScatterElements is deterministic.
      const others: Dim[] = [...data.shape.slice(0, axis), ...data.shape.slice(axis + 1)];
      const R = dimProduct(others);
      const N = dimProduct(idxShape);
      const rowIdx = g.expand(g.reshape(ctx.input(1), [N, 1]), [N, R]);
      const flat = g.scatterElements(g.zeros(dy.dtype, [data.shape[axis], R]), rowIdx, g.reshape(dyT, [N, R]), 0, 'add');
      const acc = g.reshape(flat, [data.shape[axis], ...others]);
      if (axis === 0) return [acc, null];
      const back = [...Array.from({ length: axis }, (_, i) => i + 1), 0, ...Array.from({ length: r - axis - 1 }, (_, i) => axis + 1 + i)];
      return [g.transpose(acc, back), null];
    },
  },
  GatherElements: {
    infer: (inputs) => {
      const data = req(inputs[0], 'data');
      const idx = req(inputs[1], 'indices');
      requireDtype(idx, 'int64', 'indices');
      if (idx.shape.length !== data.shape.length) fail(`indices ${formatShape(idx.shape)} must have the rank of data ${formatShape(data.shape)}`);
      return [{ dtype: data.dtype, shape: idx.shape }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy || !ctx.needs(0)) return [null, null];
      const data = n.inputs[0]!;
      const zeros = ctx.g.zeros(dy.dtype, data.shape);
      return [ctx.g.scatterElements(zeros, ctx.input(1), dy, attrInt(n.attrs, 'axis', 0), 'add'), null];
    },
  },
  ScatterElements: {
    infer: (inputs) => {
      const data = req(inputs[0], 'data');
      requireDtype(req(inputs[1], 'indices'), 'int64', 'indices');
      return [{ dtype: data.dtype, shape: data.shape }];
    },
  },
  ScatterND: {
    infer: (inputs) => {
      const data = req(inputs[0], 'data');
      requireDtype(req(inputs[1], 'indices'), 'int64', 'indices');
      return [{ dtype: data.dtype, shape: data.shape }];
    },
  },
};
