/** Column types of verl's RL parquet schema, shared by the preprocessors. */
import { inferSchema, listOf, structOf } from '../io/value-type.js';
import type { TableSchema, ValueType } from '../io/value-type.js';

export const PROMPT_TYPE: ValueType = listOf(structOf({ role: 'string', content: 'string' }));

export function rewardModelType(groundTruth: ValueType): ValueType {
  return structOf({ style: 'string', ground_truth: groundTruth });
}

export function chatPrompt(content: string): Array<{ role: string; content: string }> {
  return [{ role: 'user', content }];
}

/**
 * The output schema: columns of the raw data that the preprocessor did not consume come first (typed from
 * their values), then the preprocessor's own columns — the layout Hugging Face's datasets.map produces.
 */
export function schemaWithPassthrough(rows: ReadonlyArray<Record<string, unknown>>, own: TableSchema): TableSchema {
  const ownNames = new Set(own.map(([n]) => n));
  const rest = inferSchema(rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !ownNames.has(k)))));
  return [...rest, ...own];
}
