/** The offline jobs beside the trainer (verl's main_generation and main_eval, and `verl-ts score`). */
export { runGeneration, generationConfigFromSection, OUTPUT_EXTENSIONS, type GenerationJobConfig, type GenerationJobIO, type GenerationJobResult } from './generation.js';
export { runEvaluation, evaluationConfigFromSection, passAtK, type EvaluationConfig, type EvaluationIO, type EvaluationSummary, type DataSourceSummary } from './evaluate.js';
export { scoreFile, readScoreInput, parseScoreLine, LENGTH_BUCKET, type ScoreFileOptions } from './score-file.js';
