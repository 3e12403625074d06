/** Named trainable parameters held in JS arrays, declared into graphs by name and fed without copying. */
import type { FloatArray } from '../dtype.js';
import { GraphBuildError, EngineInputError } from '../errors.js';
import type { Graph } from '../graph.js';
import { didYouMean } from '../../util/suggest.js';

export interface Parameter {
  readonly name: string;
  readonly shape: readonly number[];
  /** Engine-owned values, fed to ORT zero-copy and updated in place by the optimizer. */
  readonly data: FloatArray;
}

/**
 * Named parameters, one flat Float32Array/Float64Array per tensor, in insertion order. Graphs refer to them by
 * name (`g.param(name, ...)`); the runtime feeds them without copying.
 */
export class ParameterStore {
  private readonly byName = new Map<string, Parameter>();
  private changes = 0;

  /**
   * A counter of in-place value changes: AdamW.step bumps it; code that writes parameter values itself should
   * call markChanged(). Snapshots of the values (Engine.compileFrozen sessions) compare it to know they are stale.
   */
  get version(): number {
    return this.changes;
  }

  /** Record that parameter values were changed in place. */
  markChanged(): void {
    this.changes++;
  }

  /** Add a parameter; `init` is the initial data (kept, not copied) or a fill value. */
  add(name: string, shape: readonly number[], init: FloatArray | { dtype: 'float32' | 'float64'; fill?: number }): Parameter {
    if (this.byName.has(name)) throw new GraphBuildError(`parameter '${name}' is already defined`);
    const size = shape.reduce((a, b) => a * b, 1);
    let data: FloatArray;
    if (init instanceof Float32Array || init instanceof Float64Array) {
      if (init.length !== size) throw new EngineInputError(`parameter '${name}': ${init.length} values given for shape [${shape.join(', ')}] (${size} expected)`);
      data = init;
    } else {
      data = init.dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
      if (init.fill) data.fill(init.fill);
    }
    const p: Parameter = { name, shape: [...shape], data };
    this.byName.set(name, p);
    this.changes++;
    return p;
  }

  get(name: string): Parameter {
    const p = this.byName.get(name);
    if (!p) throw new EngineInputError(`no parameter named '${name}'.${didYouMean(name, this.byName.keys())}`);
    return p;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  list(): Parameter[] {
    return [...this.byName.values()];
  }

  /** Total number of scalar values. */
  get size(): number {
    let n = 0;
    for (const p of this.byName.values()) n += p.data.length;
    return n;
  }

  /** Declare every parameter of this store in a graph (same names, dtypes and shapes). */
  declareIn(graph: Graph): Record<string, ReturnType<Graph['param']>> {
    const out: Record<string, ReturnType<Graph['param']>> = {};
    for (const p of this.byName.values()) out[p.name] = graph.param(p.name, p.data instanceof Float64Array ? 'float64' : 'float32', p.shape);
    return out;
  }
}
