/** The op registry with every built-in op (shape inference and gradient rule) registered. */
import { elementwiseOps } from './elementwise.js';
import { indexingOps } from './indexing.js';
import { linalgOps } from './linalg.js';
import { reduceOps } from './reduce.js';
import { registerOps } from './registry.js';
import { shapeOps } from './shape.js';

registerOps(elementwiseOps);
registerOps(linalgOps);
registerOps(reduceOps);
registerOps(shapeOps);
registerOps(indexingOps);

export { getOpSpec, registerOp, registerOps, registeredOps } from './registry.js';
export type { GradContext, GradRule, OpMeta, OpSpec } from './registry.js';
