/**
 * The causal-LM architectures verl-ts understands, keyed by HF `model_type`. Each entry holds what differs
 * between them: the config class defaults transformers fills in for missing keys, which projections carry
 * biases, whether attention has per-head q/k RMSNorms, and how sliding-window layers are chosen. Add an entry
 * with `registerArchitecture` to teach verl-ts a new llama-like family.
 */
export type LayerType = 'full_attention' | 'sliding_attention';

export interface ArchitectureBiases {
  qkv: boolean;
  o: boolean;
  mlp: boolean;
}

type Json = Readonly<Record<string, unknown>>;

export interface ArchitectureDef {
  /** HF class name, e.g. 'LlamaForCausalLM'. */
  name: string;
  /** HF `model_type`, e.g. 'llama'. */
  modelType: string;
  /** Defaults of the HF config class for keys the config may omit (transformers 5 values). */
  defaults: Json;
  /**
   * How head_dim is found: 'derived' = config.head_dim when set and non-null, else hidden_size / heads;
   * a number = the config class default when the key is missing (Qwen3: 128).
   */
  headDimDefault: 'derived' | number;
  biases: (config: Json) => ArchitectureBiases;
  qkNorm: boolean;
  /** Sliding window per layer (null = full attention), from the parsed config. */
  layerTypes: (config: Json, numLayers: number) => { window: number | null; types: LayerType[] };
}

const registry = new Map<string, ArchitectureDef>();

export function registerArchitecture(def: ArchitectureDef): void {
  registry.set(def.modelType, def);
}

export function architectureForModelType(modelType: string): ArchitectureDef | undefined {
  return registry.get(modelType);
}

export function registeredArchitectures(): ArchitectureDef[] {
  return [...registry.values()];
}

const bool = (v: unknown, dflt: boolean): boolean => (typeof v === 'boolean' ? v : dflt);

/** Qwen2/Qwen3: layers from `max_window_layers` on use the window when `use_sliding_window` is set. */
function qwenLayerTypes(config: Json, numLayers: number): { window: number | null; types: LayerType[] } {
  const window = config.use_sliding_window === true && typeof config.sliding_window === 'number' ? config.sliding_window : null;
  const given = config.layer_types;
  let types: LayerType[];
  if (Array.isArray(given)) {
    types = given as LayerType[];
  } else {
    const maxWindowLayers = typeof config.max_window_layers === 'number' ? config.max_window_layers : 28;
    types = Array.from({ length: numLayers }, (_, i) => (window !== null && i >= maxWindowLayers ? 'sliding_attention' : 'full_attention'));
  }
  return { window: types.includes('sliding_attention') ? window : null, types };
}

const common = { hidden_act: 'silu', rms_norm_eps: 1e-6, initializer_range: 0.02, tie_word_embeddings: false, attention_dropout: 0 };

registerArchitecture({
  name: 'LlamaForCausalLM',
  modelType: 'llama',
  defaults: {
    ...common, vocab_size: 32000, hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32,
    max_position_embeddings: 2048, bos_token_id: 1, eos_token_id: 2, pad_token_id: null,
  },
  headDimDefault: 'derived',
  biases: (c) => ({ qkv: bool(c.attention_bias, false), o: bool(c.attention_bias, false), mlp: bool(c.mlp_bias, false) }),
  qkNorm: false,
  layerTypes: (_c, n) => ({ window: null, types: Array.from({ length: n }, () => 'full_attention' as const) }),
});

registerArchitecture({
  name: 'Qwen2ForCausalLM',
  modelType: 'qwen2',
  defaults: {
    ...common, vocab_size: 151936, hidden_size: 4096, intermediate_size: 22016, num_hidden_layers: 32, num_attention_heads: 32,
    max_position_embeddings: 32768, bos_token_id: null, eos_token_id: null, pad_token_id: null,
  },
  headDimDefault: 'derived',
  biases: () => ({ qkv: true, o: false, mlp: false }),
  qkNorm: false,
  layerTypes: qwenLayerTypes,
});

registerArchitecture({
  name: 'Qwen3ForCausalLM',
  modelType: 'qwen3',
  defaults: {
    ...common, vocab_size: 151936, hidden_size: 4096, intermediate_size: 22016, num_hidden_layers: 32, num_attention_heads: 32,
    max_position_embeddings: 32768, bos_token_id: null, eos_token_id: null, pad_token_id: null,
  },
  headDimDefault: 128,
  biases: (c) => ({ qkv: bool(c.attention_bias, false), o: bool(c.attention_bias, false), mlp: false }),
  qkNorm: true,
  layerTypes: qwenLayerTypes,
});

registerArchitecture({
  name: 'MistralForCausalLM',
  modelType: 'mistral',
  defaults: {
    ...common, vocab_size: 32000, hidden_size: 4096, intermediate_size: 14336, num_hidden_layers: 32, num_attention_heads: 32,
    num_key_value_heads: 8, max_position_embeddings: 131072, bos_token_id: 1, eos_token_id: 2, pad_token_id: null, sliding_window: 4096,
  },
  headDimDefault: 'derived',
  biases: () => ({ qkv: false, o: false, mlp: false }),
  qkNorm: false,
  // Mistral applies its window (default 4096 when the key is absent) to every layer.
  layerTypes: (c, n) => {
    const window = c.sliding_window === undefined ? 4096 : typeof c.sliding_window === 'number' ? c.sliding_window : null;
    return { window, types: Array.from({ length: n }, () => (window === null ? 'full_attention' : 'sliding_attention')) };
  },
});
