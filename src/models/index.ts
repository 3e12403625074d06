/**
 * Public API of verl-ts models: Hugging Face checkpoints (safetensors, config.json, generation_config.json) and
 * tokenizers, the decoder blocks and graphs on the tensor engine, the policy (CausalLM) and critic (ValueModel)
 * with gradients, sampling and the KV-cache rollout, random initialisation. See docs/models.md.
 */
export { SafetensorsFile, withSafetensorsFile, readSafetensorsFloat32, type TensorInfo, type Float32Tensor } from './safetensors/reader.js';
export { writeSafetensors, safetensorsHeaderBytes, type TensorToWrite, type WriteSafetensorsOptions } from './safetensors/writer.js';
export { CheckpointFiles, SINGLE_FILE, INDEX_FILE, type LocatedTensor } from './safetensors/checkpoint-files.js';
export {
  bf16BitsToF32, f32ToBf16Bits, f16BitsToF32, f32ToF16Bits, bytesToFloat32, float32ToBytes,
  DTYPE_BYTES, SAFETENSORS_DTYPES, TORCH_TO_SAFETENSORS,
  type SafetensorsDtype, type WritableDtype, type TorchFloatDtype,
} from './safetensors/dtypes.js';
export { parseHfConfig, readModelConfig, checkSequenceLength, type ModelSpec, type ParseConfigOptions } from './hf/config.js';
export { registerArchitecture, architectureForModelType, registeredArchitectures, type ArchitectureDef, type ArchitectureBiases, type LayerType } from './hf/architectures.js';
export { parseRope, invFreqForLength, defaultInvFreq, dynamicInvFreq, SUPPORTED_ROPE_TYPES, type RopeSpec, type RopeType } from './hf/rope.js';
export {
  expectedTensors, parameterCount, lmHeadWeightName, layerPrefix, isIgnoredCheckpointTensor, architectureWithHead, EMBED_TOKENS, LM_HEAD, FINAL_NORM,
  SCORE_WEIGHT, SCORE_BIAS, type ExpectedTensor, type TensorRole, type ModelHead,
} from './hf/tensors.js';
export { loadWeights, type WeightStore, type LoadedWeights, type LoadWeightsOptions } from './hf/weights.js';
export {
  readGenerationConfig, readGenerationConfigFile, parseGenerationConfig, generationConfigFromSpec, GENERATION_CONFIG_FILE, type GenerationConfig,
} from './hf/generation-config.js';
export { loadModelDir, checkpointHead, type LoadedModel, type LoadModelOptions } from './checkpoint/load.js';
export { saveModelDir, configForSave, type SaveModelOptions, type SavedModel, type SaveDtype } from './checkpoint/save.js';
export { loadTokenizer, hasTokenizer, type LoadTokenizerOptions } from './tokenizer/load.js';
export { HfTokenizer, HF_TOKENIZER_FILES, type HfTokenizerOptions } from './tokenizer/hf-tokenizer.js';
export { CharTokenizer, CHAR_SPECIAL_TOKENS, DEFAULT_CHAR_CHAT_TEMPLATE, type CharTokenizerConfig } from './tokenizer/char-tokenizer.js';
export { ChatTemplate, selectChatTemplate } from './tokenizer/chat-template.js';
export type { Tokenizer, SavableTokenizer, ChatMessage, ChatTemplateOptions, EncodeOptions, DecodeOptions } from './tokenizer/types.js';
export { processLogits, processLogitsRow, logSoftmaxRow, checkSamplingParams, GREEDY, type SamplingParams } from './sampling/logits-process.js';
export { sampleTokens, rowGenerators, repeatInterleave, type SampledTokens, type SampleOptions } from './sampling/sample.js';
export { DecodeState, type DecodeStateOptions, type DecodeResult, type FinishReason } from './sampling/decode-state.js';
export { initRandomWeights } from './init/random-init.js';
export { initModel, presetConfig, readConfigOverrides, DEFAULT_CHARS, type InitModelOptions, type InitModelResult, type InitTokenizerSource } from './init/init-model.js';
export { CausalLM, type CausalLMOptions, type LoadCausalLMOptions, type ScoreOptions, type TokenScores, type ScoringPass, type ScoringUpstream } from './compute/causal-lm.js';
export { ValueModel, withValueHead, type LoadValueModelOptions, type ValuePass } from './compute/value-model.js';
export { HfModel, type ModelRuntimeOptions, type ModelSavePolicy, type ModelExtras, type ParameterGradients, type SequenceInput, type ForwardTape } from './compute/hf-model.js';
export { type SequenceBatch, sequenceBatchFromBatch, batchPositionIds, checkSequenceBatch } from './compute/sequence-batch.js';
export { KvDecoder, type PromptRows, type TokenChoice, type StepOutput } from './compute/kv-decoder.js';
export { KvBufferPool, KvCache, type KvCacheShape } from './compute/kv-cache.js';
export { buildTokenStatsGraph, buildValueGraph, buildDecodeGraph, IO as GRAPH_IO, type TokenStatsGraphOptions } from './compute/graphs.js';
export {
  swigluMlp, decoderStack, attentionWeights, attentionShape,
  type ComputeDtype, type DecoderContext, type Attend, type AttentionWeights, type AttentionShape, type MlpWeights,
} from './compute/decoder.js';
export { fullAttention, cachedAttention, projectQkv, mergeHeads, type PastKv, type KvSink } from './compute/attention.js';
export { differentiable, fused, type Primitives, type Rotary } from './compute/primitives.js';
export { generateSequences, stopTokens, tokenChoiceMode, ROLLOUT_LOG_PROB_PAD } from './rollout/generate.js';
export { rolloutOptionsFromConfig, checkRolloutOptions, samplingParamsOf, type RolloutOptions } from './rollout/options.js';
