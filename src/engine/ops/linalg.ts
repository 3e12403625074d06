/** Matrix products (MatMul, Gemm): shape inference and gradient rules. */
import { attrFloat, attrInt, type TensorType } from '../attrs.js';
import { type Dim, dimEq, formatShape } from '../dims.js';
import type { Tensor } from '../graph.js';
import { broadcastShapes, fail, req, requireFloat, sameDtype } from './infer.js';
import type { OpSpec } from './registry.js';

function swapLast(t: Tensor): Tensor {
  const perm = t.shape.map((_, i) => i);
  perm[perm.length - 1] = perm.length - 2;
  perm[perm.length - 2] = perm.length - 1;
  return t.graph.transpose(t, perm);
}

export const linalgOps: Record<string, OpSpec> = {
  MatMul: {
    infer: (inputs) => {
      const a = req(inputs[0], 'A');
      const b = req(inputs[1], 'B');
      requireFloat(a, 'A');
      const dtype = sameDtype([a, b]);
      if (a.shape.length < 2 || b.shape.length < 2) fail(`operands must have rank ≥ 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
      const k1 = a.shape[a.shape.length - 1];
      const k2 = b.shape[b.shape.length - 2];
      if (!dimEq(k1, k2)) fail(`inner dimensions disagree: A ${formatShape(a.shape)} has ${k1} columns, B ${formatShape(b.shape)} has ${k2} rows`);
      const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
      return [{ dtype, shape: [...batch, a.shape[a.shape.length - 2], b.shape[b.shape.length - 1]] }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy) return [null, null];
      const { g } = ctx;
      const aShape = n.inputs[0]!.shape;
      const bShape = n.inputs[1]!.shape;
      let da: Tensor | null = null;
      let db: Tensor | null = null;
      if (ctx.needs(0)) {
        const b = ctx.input(1);
        // A [.., M, K] times a 2-D B: one GEMM over all rows, dA = dY·Bᵀ.
        if (bShape.length === 2) {
          const flat = g.gemm(g.reshape(dy, [-1, bShape[1]]), b, null, { transB: true });
          da = g.reshape(flat, aShape);
        } else {
          da = ctx.unbroadcast(g.matmul(dy, swapLast(b)), aShape);
        }
      }
      if (ctx.needs(1)) {
        const a = ctx.input(0);
        if (bShape.length === 2 && aShape.length > 2) {
          // Weight gradient of x[.., K]·W[K, N]: flatten the rows and use a single transposed GEMM.
          const K = aShape[aShape.length - 1];
          const N = bShape[1];
          db = g.gemm(g.reshape(a, [-1, K]), g.reshape(dy, [-1, N]), null, { transA: true });
        } else {
          db = ctx.unbroadcast(g.matmul(swapLast(a), dy), bShape);
        }
      }
      return [da, db];
    },
  },
  Gemm: {
    infer: (inputs, attrs) => {
      const a = req(inputs[0], 'A');
      const b = req(inputs[1], 'B');
      requireFloat(a, 'A');
      const dtype = sameDtype([a, b, inputs[2] ?? null]);
      if (a.shape.length !== 2 || b.shape.length !== 2) fail(`A and B must be 2-D, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
      const ta = attrInt(attrs, 'transA', 0) === 1;
      const tb = attrInt(attrs, 'transB', 0) === 1;
      const [m, k1] = ta ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
      const [k2, nn] = tb ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
      if (!dimEq(k1, k2)) fail(`inner dimensions disagree: op(A) is [${m}, ${k1}], op(B) is [${k2}, ${nn}]`);
      const out: Dim[] = [m, nn];
      const c = inputs[2] as TensorType | null | undefined;
      if (c) {
        const bc = broadcastShapes(c.shape, out);
        if (bc.length !== 2 || !dimEq(bc[0], m) || !dimEq(bc[1], nn)) fail(`C ${formatShape(c.shape)} does not broadcast to [${m}, ${nn}]`);
      }
      return [{ dtype, shape: out }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy) return [null, null, null];
      const { g } = ctx;
      const ta = attrInt(n.attrs, 'transA', 0) === 1;
      const tb = attrInt(n.attrs, 'transB', 0) === 1;
      const alpha = attrFloat(n.attrs, 'alpha', 1);
      const beta = attrFloat(n.attrs, 'beta', 1);
      // With A' = op(A), B' = op(B): dA' = α·dY·B'ᵀ and dB' = α·A'ᵀ·dY, transposed back where A or B was.
      const da = ctx.needs(0)
        ? ta
          ? g.gemm(ctx.input(1), dy, null, { transA: tb, transB: true, alpha })
          : g.gemm(dy, ctx.input(1), null, { transB: !tb, alpha })
        : null;
      const db = ctx.needs(1)
        ? tb
          ? g.gemm(dy, ctx.input(0), null, { transA: true, transB: ta, alpha })
          : g.gemm(ctx.input(0), dy, null, { transA: !ta, alpha })
        : null;
      const dc = n.inputs[2] && ctx.needs(2) ? ctx.unbroadcast(beta === 1 ? dy : g.mul(dy, beta), n.inputs[2].shape) : null;
      return [da, db, dc];
    },
  },
};
