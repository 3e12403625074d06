/** Preprocessors by task name (`verl-ts data <task>`); users may register their own. */
import { ConfigError } from '../../util/errors.js';
import { didYouMean } from '../../util/suggest.js';
import { writeParquet } from '../io/parquet-write.js';
import { countdownPreprocessor } from './countdown.js';
import { digitCompletionPreprocessor } from './digit-completion.js';
import { gsm8kPreprocessor } from './gsm8k.js';
import { mathPreprocessor } from './math.js';
import { splitSize, type PreprocessArgs, type PreprocessContext, type Preprocessor } from './types.js';
import { createProgress } from '../../util/progress.js';
import { join } from 'node:path';

const registry = new Map<string, Preprocessor>(
  [gsm8kPreprocessor, mathPreprocessor, countdownPreprocessor, digitCompletionPreprocessor].map((p) => [p.name, p]),
);

export function registerPreprocessor(p: Preprocessor): void {
  const existing = registry.get(p.name);
  if (existing && existing !== p) throw new ConfigError(`a preprocessor named '${p.name}' is already registered`);
  registry.set(p.name, p);
}

export function preprocessorNames(): string[] {
  return [...registry.keys()];
}

export function getPreprocessor(name: string): Preprocessor {
  const p = registry.get(name);
  if (!p) throw new ConfigError(`unknown data task '${name}'. Tasks: ${preprocessorNames().join(', ')}.` + didYouMean(name, preprocessorNames()));
  return p;
}

/** Run preprocessor `name` and write `<outDir>/<split>.parquet` for each split; returns the written paths. */
export async function runPreprocessor(name: string, args: PreprocessArgs, outDir: string, ctx: PreprocessContext): Promise<string[]> {
  const result = await getPreprocessor(name).run(args, ctx);
  const written: string[] = [];
  for (const split of result.splits) {
    const path = join(outDir, `${split.name}.parquet`);
    const count = splitSize(split);
    const progress = createProgress({ label: `${name} ${split.name}`, total: count, unit: 'rows', stream: ctx.progress ?? { write: () => undefined } });
    try {
      await writeParquet(path, split.rows, { schema: result.schema, onRows: (n) => progress.update(n) });
      progress.stop();
    } finally {
      progress.stop('');
    }
    ctx.log(`wrote ${count} rows to ${path}`);
    written.push(path);
  }
  return written;
}
