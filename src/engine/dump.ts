/** Readable graph listings, and the VERLTS_DUMP_GRAPHS hook that writes every compiled graph to disk. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../util/atomic-write.js';
import type { Attr } from './attrs.js';
import { formatShape } from './dims.js';
import type { Graph, Tensor } from './graph.js';

function showAttr(a: Attr): string {
  switch (a.type) {
    case 'ints':
    case 'floats':
      return `[${a.value.join(', ')}]`;
    case 'string':
      return JSON.stringify(a.value);
    case 'tensor':
      return `${a.value.dtype}${formatShape(a.value.dims)}{${Array.from(a.value.values as ArrayLike<number | bigint>).slice(0, 4).join(', ')}}`;
    case 'float':
      return Number.isInteger(a.value) ? `${a.value}.0` : String(a.value);
    default:
      return String(a.value);
  }
}

const type = (t: Tensor): string => `${t.dtype}${formatShape(t.shape)}`;

/** A readable listing of a graph: inputs, params, constants, one line per node, outputs. */
export function dumpGraph(graph: Graph): string {
  const lines: string[] = [`graph ${graph.name} (opset ${graph.opset}, ${graph.nodes.length} nodes)`];
  for (const t of graph.inputs) lines.push(`  ${t.kind} ${t.name}: ${type(t)}`);
  for (const c of graph.constants) {
    const v = c.constData!.values as ArrayLike<number | bigint>;
    const preview = Array.from(v).slice(0, 6).join(', ') + (v.length > 6 ? ', …' : '');
    lines.push(`  const ${c.name}: ${type(c)} = {${preview}}`);
  }
  for (const n of graph.nodes) {
    const ins = n.inputs.map((t) => (t ? t.name : '∅')).join(', ');
    const attrs = Object.entries(n.attrs).map(([k, a]) => `${k}=${showAttr(a)}`);
    const outs = n.outputs.map((o) => `${o.name}: ${type(o)}`).join(', ');
    lines.push(`  ${outs} = ${n.domain ? `${n.domain}.` : ''}${n.opType}(${ins})${attrs.length ? ` {${attrs.join(', ')}}` : ''}`);
  }
  for (const o of graph.outputs) lines.push(`  output ${o.name}: ${type(o.tensor)}`);
  return lines.join('\n') + '\n';
}

/** With VERLTS_DUMP_GRAPHS=dir, write `<name>.onnx` and `<name>.txt` there for every session created. */
export function maybeDumpGraph(graph: Graph, bytes: Uint8Array, key: string): void {
  const dir = process.env.VERLTS_DUMP_GRAPHS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const base = `${graph.name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${key.slice(0, 10)}`;
  writeFileAtomicSync(join(dir, `${base}.onnx`), bytes);
  writeFileAtomicSync(join(dir, `${base}.txt`), dumpGraph(graph));
}
