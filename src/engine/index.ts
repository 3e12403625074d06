/**
 * The tensor engine: a typed ONNX graph builder, reverse-mode autodiff, onnxruntime-node sessions,
 * AdamW with verl's LR schedules. It knows nothing about language models or RL algorithms.
 */
export type { DType, FloatArray, AnyTypedArray } from './dtype.js';
export { toInt64, isFloat } from './dtype.js';
export type { Dim } from './dims.js';
export { dimAdd, dimSub, dimMul, dimEq, normDim, formatShape } from './dims.js';
export { attr, type Attr, type Attrs, type ConstData, type TensorType } from './attrs.js';
export { Graph, Tensor, type Node, type GraphOutput, DEFAULT_OPSET, constValues } from './graph.js';
export { GraphBuildError, EngineInputError, EngineSetupError } from './errors.js';
export { registerOp, registerOps, registeredOps, getOpSpec, type OpSpec, type OpMeta, type GradContext, type GradRule } from './ops/index.js';
export { grad, type GradOptions, type GradResult, type SavePolicy, upstreamName, gradientName } from './autodiff.js';
export { serializeGraph, IR_VERSION } from './onnx/serialize.js';
export { dumpGraph } from './dump.js';
export { Engine, CompiledGraph, type EngineOptions, type RunOptions, type TensorValue, type Feed, type Device, yieldToEventLoop, engineRunStats } from './runtime/session.js';
export { ParameterStore, type Parameter } from './runtime/params.js';
export { GradRunner, type Tape, type ForwardResult } from './runtime/grad-runner.js';
export { checkGradients, type GradCheckOptions, type GradCheckResult, type GradCheckEntry } from './fd.js';
export * as nn from './nn/index.js';
export { AdamW, type AdamWOptions, type AdamWState, type StepOptions, type StepResult } from './optim/adamw.js';
export { GradAccumulator, globalGradNorm, clipCoefficient, type Gradients } from './optim/grads.js';
export { LrScheduler, lrFactor, warmupStepsOf, type LrScheduleOptions, type LrSchedulerType } from './optim/schedule.js';
export { encodeOptimizerState, decodeOptimizerState, saveOptimizerState, loadOptimizerState, OPTIMIZER_STATE_FORMAT } from './optim/state-io.js';
