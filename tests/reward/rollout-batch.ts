/** Build a rollout batch like verl's (prompts left-padded, responses right-padded) from text, for tests. */
import { Batch } from '../../src/data/batch.js';
import { Tensor } from '../../src/data/tensor.js';
import type { Tokenizer } from '../../src/data/tokenizer.js';

export interface RolloutItem {
  prompt: string;
  /** Response text; append the EOS character yourself if the response should end with it. */
  response: string;
  dataSource: string;
  groundTruth: unknown;
  extraInfo?: Record<string, unknown>;
}

export function rolloutBatch(tok: Tokenizer, items: RolloutItem[], promptWidth: number, responseWidth: number): Batch {
  const pad = tok.padTokenId as number;
  const prompts: number[][] = [];
  const responses: number[][] = [];
  const masks: number[][] = [];
  for (const it of items) {
    const p = tok.encode(it.prompt);
    const r = tok.encode(it.response).slice(0, responseWidth);
    prompts.push([...new Array<number>(promptWidth - p.length).fill(pad), ...p]);
    responses.push([...r, ...new Array<number>(responseWidth - r.length).fill(pad)]);
    masks.push([
      ...new Array<number>(promptWidth - p.length).fill(0),
      ...new Array<number>(p.length).fill(1),
      ...new Array<number>(r.length).fill(1),
      ...new Array<number>(responseWidth - r.length).fill(0),
    ]);
  }
  return Batch.from({
    tensors: {
      prompts: Tensor.fromRows('int32', prompts),
      responses: Tensor.fromRows('int32', responses),
      attention_mask: Tensor.fromRows('int32', masks),
    },
    nonTensors: {
      data_source: items.map((i) => i.dataSource),
      reward_model: items.map((i) => ({ style: 'rule', ground_truth: i.groundTruth })),
      extra_info: items.map((i) => i.extraInfo ?? { index: 0 }),
    },
  });
}
