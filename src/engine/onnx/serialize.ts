/** Graph → ONNX ModelProto bytes (hand-written protobuf), with parameters inline or as external data. */
import type { Attr, ConstData } from '../attrs.js';
import { ONNX_DTYPE_CODE } from '../dtype.js';
import type { Graph, Tensor } from '../graph.js';
import { ProtoWriter } from './protobuf.js';

/** IR version written into models; ORT 1.30 accepts up to 13, and opset 23 belongs to IR 11. */
export const IR_VERSION = 11;

// Field numbers from onnx.proto.
const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTR = { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 } as const;
const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9, externalData: 13, dataLocation: 14 } as const;
const ENTRY = { key: 1, value: 2 } as const;
const DATA_LOCATION_EXTERNAL = 1;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE = { tensorType: 1 } as const;
const TYPE_TENSOR = { elemType: 1, shape: 2 } as const;
const SHAPE = { dim: 1 } as const;
const DIM = { value: 1, param: 2 } as const;

function tensorProto(data: ConstData, name?: string): ProtoWriter {
  const w = new ProtoWriter();
  w.packedInts(TENSOR.dims, data.dims);
  w.int(TENSOR.dataType, ONNX_DTYPE_CODE[data.dtype]);
  if (name !== undefined) w.string(TENSOR.name, name);
  const v = data.values;
  w.bytes(TENSOR.rawData, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  return w;
}

/**
 * An initializer whose bytes are not in the model but in an external "file" named `location` (ORT takes such
 * files as in-memory buffers: SessionOptions.externalData).
 */
function externalTensorProto(t: Tensor, location: string): ProtoWriter {
  const w = new ProtoWriter();
  w.packedInts(TENSOR.dims, t.shape as number[]);
  w.int(TENSOR.dataType, ONNX_DTYPE_CODE[t.dtype]);
  w.string(TENSOR.name, t.name);
  const entry = (key: string, value: string) => new ProtoWriter().string(ENTRY.key, key).string(ENTRY.value, value);
  w.message(TENSOR.externalData, entry('location', location));
  w.message(TENSOR.externalData, entry('offset', '0'));
  w.int(TENSOR.dataLocation, DATA_LOCATION_EXTERNAL);
  return w;
}

function attributeProto(name: string, a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(ATTR.name, name);
  switch (a.type) {
    case 'int':
      return w.int(ATTR.type, ATTR_TYPE.INT).int(ATTR.i, a.value);
    case 'float':
      return w.int(ATTR.type, ATTR_TYPE.FLOAT).float(ATTR.f, a.value);
    case 'string':
      return w.int(ATTR.type, ATTR_TYPE.STRING).string(ATTR.s, a.value);
    case 'ints':
      return w.int(ATTR.type, ATTR_TYPE.INTS).packedInts(ATTR.ints, a.value);
    case 'floats':
      return w.int(ATTR.type, ATTR_TYPE.FLOATS).packedFloats(ATTR.floats, a.value);
    case 'tensor':
      return w.int(ATTR.type, ATTR_TYPE.TENSOR).message(ATTR.t, tensorProto(a.value));
  }
}

function valueInfo(t: Tensor, name = t.name): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of t.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(DIM.value, d);
    else dim.string(DIM.param, d);
    shape.message(SHAPE.dim, dim);
  }
  const tensorType = new ProtoWriter().int(TYPE_TENSOR.elemType, ONNX_DTYPE_CODE[t.dtype]).message(TYPE_TENSOR.shape, shape);
  const type = new ProtoWriter().message(TYPE.tensorType, tensorType);
  return new ProtoWriter().string(VALUE_INFO.name, name).message(VALUE_INFO.type, type);
}

export interface SerializeOptions {
  /**
   * Write every `param` as an initializer whose data lives in an external file named after the param (see
   * frozenParamLocation), instead of as a graph input: the weights become constants of the session.
   */
  readonly externalParams?: boolean;
}

/** The external-data location a frozen param is written under. */
export function frozenParamLocation(paramName: string): string {
  return `param:${paramName}`;
}

/** Encode a graph as an ONNX ModelProto. */
export function serializeGraph(graph: Graph, options: SerializeOptions = {}): Uint8Array {
  const g = new ProtoWriter();
  for (const node of graph.nodes) {
    const n = new ProtoWriter();
    let last = node.inputs.length;
    while (last > 0 && node.inputs[last - 1] === null) last--;
    for (let i = 0; i < last; i++) n.string(NODE.input, node.inputs[i]?.name ?? '');
    for (const o of node.outputs) n.string(NODE.output, o.name);
    n.string(NODE.name, node.name);
    n.string(NODE.opType, node.opType);
    for (const [k, a] of Object.entries(node.attrs)) n.message(NODE.attribute, attributeProto(k, a));
    if (node.domain) n.string(NODE.domain, node.domain);
    g.message(GRAPH.node, n);
  }
  g.string(GRAPH.name, graph.name);
  for (const c of graph.constants) g.message(GRAPH.initializer, tensorProto(c.constData as ConstData, c.name));
  for (const t of graph.inputs) {
    if (options.externalParams && t.kind === 'param') g.message(GRAPH.initializer, externalTensorProto(t, frozenParamLocation(t.name)));
    else g.message(GRAPH.input, valueInfo(t));
  }
  for (const o of graph.outputs) g.message(GRAPH.output, valueInfo(o.tensor, o.name));

  const m = new ProtoWriter();
  m.int(MODEL.irVersion, IR_VERSION);
  m.string(MODEL.producerName, 'verl-ts');
  m.string(MODEL.producerVersion, '0.1.0');
  m.message(MODEL.graph, g);
  const domains = new Set(graph.nodes.map((n) => n.domain));
  domains.add('');
  for (const d of domains) {
    const op = new ProtoWriter();
    if (d) op.string(OPSET.domain, d);
    op.int(OPSET.version, d === '' ? graph.opset : 1);
    m.message(MODEL.opsetImport, op);
  }
  return m.finish();
}
