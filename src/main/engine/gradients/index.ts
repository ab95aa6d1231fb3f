// The engine's gradient and forward runtime: compiled-gradient and forward sessions in the one session
// cache, the one way to cut a model, in-graph top-1. See runtime.ts.
export {
  GradientRuntime, GradientSession, ForwardSession, DEFAULT_LIMITS, runtimeModel, runProvider,
  type GradientRuntimeOptions, type GradientSpec, type GradientResult, type ForwardSpec, type Fetched, type RuntimeModel, type TargetInput,
} from './runtime';
export { cutModel, withInputShape } from './cut';
export { argmaxTarget } from './argmax-target';
