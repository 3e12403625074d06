/** Elementwise ops (arithmetic, unary math, Cast, Clip, Where, comparisons, logic): shape inference with broadcasting and gradient rules. */
import { type Attrs, attrInt, type TensorType } from '../attrs.js';
import { type DType, isFloat } from '../dtype.js';
import type { Tensor } from '../graph.js';
import { broadcastShapes, fail, req, requireDtype, requireFloat, sameDtype } from './infer.js';
import type { GradContext, GradRule, OpSpec } from './registry.js';

const binaryInfer = (inputs: ReadonlyArray<TensorType | null>): TensorType[] => {
  const a = req(inputs[0], 'A');
  const b = req(inputs[1], 'B');
  return [{ dtype: sameDtype([a, b]), shape: broadcastShapes(a.shape, b.shape) }];
};

const compareInfer = (inputs: ReadonlyArray<TensorType | null>): TensorType[] => [{ dtype: 'bool', shape: binaryInfer(inputs)[0].shape }];

const logicInfer = (inputs: ReadonlyArray<TensorType | null>): TensorType[] => {
  for (const t of inputs) requireDtype(req(t, 'operand'), 'bool', 'operand');
  return inputs.length === 1 ? [{ dtype: 'bool', shape: (inputs[0] as TensorType).shape }] : compareInfer(inputs);
};

const unaryInfer = (inputs: ReadonlyArray<TensorType | null>): TensorType[] => {
  const x = req(inputs[0], 'X');
  return [{ dtype: x.dtype, shape: x.shape }];
};

const floatUnaryInfer = (inputs: ReadonlyArray<TensorType | null>): TensorType[] => {
  requireFloat(req(inputs[0], 'X'), 'X');
  return unaryInfer(inputs);
};

/** A float elementwise op whose derivative is a function of its input x and output y. */
function unary(deriv: (ctx: GradContext, dy: Tensor, x: () => Tensor, y: () => Tensor) => Tensor): OpSpec {
  return {
    infer: floatUnaryInfer,
    grad: (ctx, _n, [dy]) => [dy ? deriv(ctx, dy, () => ctx.input(0), () => ctx.output(0)) : null],
  };
}

function binary(rule: GradRule): OpSpec {
  return { infer: binaryInfer, grad: rule };
}

const DTYPES: Record<number, DType> = { 1: 'float32', 11: 'float64', 7: 'int64', 9: 'bool' };

/** The ratio dy·(half on ties) used by Max/Min: where `pick` holds, the gradient goes to that operand. */
function maxMinGrad(op: 'Greater' | 'Less'): GradRule {
  return (ctx, node, [dy]) => {
    if (!dy) return [null, null];
    const { g } = ctx;
    const a = ctx.input(0);
    const b = ctx.input(1);
    const wins = g.cast(op === 'Greater' ? g.greater(a, b) : g.less(a, b), a.dtype);
    const ties = g.mul(g.cast(g.equal(a, b), a.dtype), 0.5);
    const share = g.add(wins, ties);
    return [
      ctx.needs(0) ? ctx.unbroadcast(g.mul(dy, share), node.inputs[0]!.shape) : null,
      ctx.needs(1) ? ctx.unbroadcast(g.mul(dy, g.rsub(1, share)), node.inputs[1]!.shape) : null,
    ];
  };
}

export const elementwiseOps: Record<string, OpSpec> = {
  Add: binary((ctx, n, [dy]) => (dy ? [ctx.unbroadcast(dy, n.inputs[0]!.shape), ctx.unbroadcast(dy, n.inputs[1]!.shape)] : [null, null])),
  Sub: binary((ctx, n, [dy]) =>
    dy ? [ctx.needs(0) ? ctx.unbroadcast(dy, n.inputs[0]!.shape) : null, ctx.needs(1) ? ctx.unbroadcast(ctx.g.neg(dy), n.inputs[1]!.shape) : null] : [null, null],
  ),
  Mul: binary((ctx, n, [dy]) => {
    if (!dy) return [null, null];
    const { g } = ctx;
    return [
      ctx.needs(0) ? ctx.unbroadcast(g.mul(dy, ctx.input(1)), n.inputs[0]!.shape) : null,
      ctx.needs(1) ? ctx.unbroadcast(g.mul(dy, ctx.input(0)), n.inputs[1]!.shape) : null,
    ];
  }),
  Div: binary((ctx, n, [dy]) => {
    if (!dy) return [null, null];
    const { g } = ctx;
    const b = ctx.input(1);
    return [
      ctx.needs(0) ? ctx.unbroadcast(g.div(dy, b), n.inputs[0]!.shape) : null,
      // d(a/b)/db = −(a/b)/b
      ctx.needs(1) ? ctx.unbroadcast(g.neg(g.div(g.mul(dy, ctx.output(0)), b)), n.inputs[1]!.shape) : null,
    ];
  }),
  Pow: binary((ctx, n, [dy]) => {
    if (!dy) return [null, null];
    const { g } = ctx;
    const a = ctx.input(0);
    const b = ctx.input(1);
    let da: Tensor | null = null;
    if (ctx.needs(0)) {
      const exponent = n.inputs[1]!.constData;
      // A constant scalar exponent c: c·a^(c−1) without differentiating through b.
      if (exponent && exponent.values.length === 1) {
        const c = Number(exponent.values[0]);
        const base = c === 2 ? a : g.pow(a, c - 1);
        da = g.mul(dy, g.mul(base, c));
      } else {
        da = g.mul(dy, g.mul(b, g.pow(a, g.sub(b, 1))));
      }
      da = ctx.unbroadcast(da, n.inputs[0]!.shape);
    }
    const db = ctx.needs(1) ? ctx.unbroadcast(g.mul(dy, g.mul(ctx.output(0), g.log(a))), n.inputs[1]!.shape) : null;
    return [da, db];
  }),
  Max: binary(maxMinGrad('Greater')),
  Min: binary(maxMinGrad('Less')),
  Neg: unary((ctx, dy) => ctx.g.neg(dy)),
  Exp: unary((ctx, dy, _x, y) => ctx.g.mul(dy, y())),
  Log: unary((ctx, dy, x) => ctx.g.div(dy, x())),
  Sqrt: unary((ctx, dy, _x, y) => ctx.g.div(ctx.g.mul(dy, 0.5), y())),
  Reciprocal: unary((ctx, dy, _x, y) => {
    const yy = y();
    return ctx.g.neg(ctx.g.mul(dy, ctx.g.mul(yy, yy)));
  }),
  Tanh: unary((ctx, dy, _x, y) => {
    const yy = y();
    return ctx.g.mul(dy, ctx.g.rsub(1, ctx.g.mul(yy, yy)));
  }),
  Sigmoid: unary((ctx, dy, _x, y) => {
    const yy = y();
    return ctx.g.mul(dy, ctx.g.mul(yy, ctx.g.rsub(1, yy)));
  }),
  Sin: unary((ctx, dy, x) => ctx.g.mul(dy, ctx.g.cos(x()))),
  Cos: unary((ctx, dy, x) => ctx.g.neg(ctx.g.mul(dy, ctx.g.sin(x())))),
  Abs: unary((ctx, dy, x) => ctx.g.mul(dy, ctx.g.apply('Sign', [x()])[0])),
  Relu: unary((ctx, dy, x) => ctx.g.where(ctx.g.greater(x(), 0), dy, 0)),
  Sign: { infer: unaryInfer },
  Identity: { infer: unaryInfer, grad: (_ctx, _n, [dy]) => [dy] },
  Cast: {
    infer: (inputs, attrs: Attrs) => {
      const x = req(inputs[0], 'X');
      const to = DTYPES[attrInt(attrs, 'to', 0)];
      if (!to) fail(`unsupported target type code ${attrInt(attrs, 'to', 0)}`);
      return [{ dtype: to, shape: x.shape }];
    },
    grad: (ctx, n, [dy]) => [dy && isFloat(n.inputs[0]!.dtype) ? ctx.g.cast(dy, n.inputs[0]!.dtype) : null],
  },
  Clip: {
    infer: (inputs) => {
      const x = req(inputs[0], 'X');
      for (const b of inputs.slice(1)) if (b && (b.shape.length !== 0 || b.dtype !== x.dtype)) fail(`min/max must be ${x.dtype} scalars`);
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy) return [null];
      const { g } = ctx;
      const x = ctx.input(0);
      let inside: Tensor | null = null;
      if (n.inputs[1]) inside = g.greaterOrEqual(x, ctx.input(1));
      if (n.inputs[2]) {
        const le = g.lessOrEqual(x, ctx.input(2));
        inside = inside ? g.and(inside, le) : le;
      }
      return [inside ? g.where(inside, dy, 0) : dy];
    },
  },
  Where: {
    infer: (inputs) => {
      const c = req(inputs[0], 'condition');
      requireDtype(c, 'bool', 'condition');
      const a = req(inputs[1], 'X');
      const b = req(inputs[2], 'Y');
      return [{ dtype: sameDtype([a, b]), shape: broadcastShapes(c.shape, broadcastShapes(a.shape, b.shape)) }];
    },
    grad: (ctx, n, [dy]) => {
      if (!dy) return [null, null, null];
      const { g } = ctx;
      const c = ctx.input(0);
      return [
        null,
        ctx.needs(1) ? ctx.unbroadcast(g.where(c, dy, 0), n.inputs[1]!.shape) : null,
        ctx.needs(2) ? ctx.unbroadcast(g.where(c, 0, dy), n.inputs[2]!.shape) : null,
      ];
    },
  },
  Equal: { infer: compareInfer },
  Less: { infer: compareInfer },
  LessOrEqual: { infer: compareInfer },
  Greater: { infer: compareInfer },
  GreaterOrEqual: { infer: compareInfer },
  And: { infer: logicInfer },
  Or: { infer: logicInfer },
  Not: { infer: logicInfer },
};
