/**
 * Errors of the config pipeline.
 *
 * Inside the pipeline, failures are modelled on the Python exceptions Hydra and OmegaConf raise, because the
 * exception class decides both what is caught where (e.g. Hydra turns ConfigKeyError into "Could not
 * override ...") and how the CLI prints it. At the public boundary everything becomes a ConfigComposeError.
 */
import { ConfigError } from '../util/errors.js';

interface PyTypeInfo {
  module: string;
  bases: string[];
}

// The slice of the Python/OmegaConf/PyYAML/Hydra exception hierarchy the pipeline raises or catches.
const PY_TYPES: Record<string, PyTypeInfo> = {
  Exception: { module: '', bases: [] },
  ArithmeticError: { module: '', bases: ['Exception'] },
  OverflowError: { module: '', bases: ['ArithmeticError'] },
  AssertionError: { module: '', bases: ['Exception'] },
  AttributeError: { module: '', bases: ['Exception'] },
  LookupError: { module: '', bases: ['Exception'] },
  KeyError: { module: '', bases: ['LookupError'] },
  IndexError: { module: '', bases: ['LookupError'] },
  OSError: { module: '', bases: ['Exception'] },
  TypeError: { module: '', bases: ['Exception'] },
  ValueError: { module: '', bases: ['Exception'] },
  OmegaConfBaseException: { module: 'omegaconf.errors', bases: ['Exception'] },
  MissingMandatoryValue: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException'] },
  KeyValidationError: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException', 'ValueError'] },
  ValidationError: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException', 'ValueError'] },
  UnsupportedValueType: { module: 'omegaconf.errors', bases: ['ValidationError'] },
  ReadonlyConfigError: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException'] },
  InterpolationResolutionError: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException', 'ValueError'] },
  UnsupportedInterpolationType: { module: 'omegaconf.errors', bases: ['InterpolationResolutionError'] },
  InterpolationKeyError: { module: 'omegaconf.errors', bases: ['InterpolationResolutionError'] },
  InterpolationToMissingValueError: { module: 'omegaconf.errors', bases: ['InterpolationResolutionError'] },
  InterpolationValidationError: { module: 'omegaconf.errors', bases: ['InterpolationResolutionError', 'ValidationError'] },
  ConfigKeyError: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException', 'KeyError'] },
  ConfigAttributeError: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException', 'AttributeError'] },
  ConfigTypeError: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException', 'TypeError'] },
  ConfigIndexError: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException', 'IndexError'] },
  ConfigValueError: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException', 'ValueError'] },
  ConfigCycleDetectedException: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException'] },
  GrammarParseError: { module: 'omegaconf.errors', bases: ['OmegaConfBaseException'] },
  YAMLError: { module: 'yaml.error', bases: ['Exception'] },
  MarkedYAMLError: { module: 'yaml.error', bases: ['YAMLError'] },
  ScannerError: { module: 'yaml.scanner', bases: ['MarkedYAMLError'] },
  ParserError: { module: 'yaml.parser', bases: ['MarkedYAMLError'] },
  ComposerError: { module: 'yaml.composer', bases: ['MarkedYAMLError'] },
  ConstructorError: { module: 'yaml.constructor', bases: ['MarkedYAMLError'] },
  ReaderError: { module: 'yaml.reader', bases: ['YAMLError'] },
  HydraException: { module: 'hydra.errors', bases: ['Exception'] },
};

export type PyErrorType = keyof typeof PY_TYPES;

/** A Python-side exception: the message is exactly what `str(exc)` gives. */
export class PyError extends Error {
  readonly pyType: string;
  /** OmegaConf's `_initialized`: already decorated with full_key/object_type, re-raised unchanged. */
  initialized = false;

  constructor(pyType: string, message: string) {
    super(message);
    if (!(pyType in PY_TYPES)) throw new Error(`unknown Python exception type ${pyType}`);
    this.pyType = pyType;
    this.name = pyType;
  }

  /** Python's `isinstance(exc, Type)` over the modelled hierarchy. */
  isA(type: string): boolean {
    const seen = new Set<string>();
    const walk = (t: string): boolean => {
      if (t === type) return true;
      if (seen.has(t)) return false;
      seen.add(t);
      return (PY_TYPES[t]?.bases ?? []).some(walk);
    };
    return walk(this.pyType);
  }

  /** `module.Type`, as a traceback's last line names it. */
  get qualifiedType(): string {
    const module = PY_TYPES[this.pyType].module;
    return module ? `${module}.${this.pyType}` : this.pyType;
  }
}

export function isPyError(err: unknown, type?: string): err is PyError {
  return err instanceof PyError && (type === undefined || err.isA(type));
}

/**
 * One of Hydra's "compact" exceptions (ConfigCompositionException, MissingConfigException,
 * OverrideParseException): printed as its message, then an OmegaConf cause if it has one.
 */
export class HydraCompactError extends Error {
  readonly hydraType: string;
  readonly pyCause?: PyError;
  /** verl-ts's own hint (e.g. the closest existing key), printed after Hydra's text. */
  readonly suggestion?: string;

  constructor(message: string, options: { type?: string; cause?: PyError; suggestion?: string } = {}) {
    super(message);
    this.hydraType = options.type ?? 'ConfigCompositionException';
    this.name = this.hydraType;
    if (options.cause?.isA('OmegaConfBaseException')) this.pyCause = options.cause;
    if (options.suggestion !== undefined) this.suggestion = options.suggestion;
  }
}

export const HYDRA_FULL_ERROR_HINT = 'Set the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace.';

/**
 * A config composition/resolution failure, carrying the text Hydra (or OmegaConf) reports for it.
 * `message` is the full stderr text Hydra's CLI prints (without a trailing newline).
 */
export class ConfigComposeError extends ConfigError {
  /**
   * compact: what Hydra prints before the `HYDRA_FULL_ERROR` hint (message lines plus OmegaConf cause lines);
   * exception: the exception message (the part after `Type: ` on the traceback's last line).
   */
  readonly hydraMessage: string;
  /** 'compact' for Hydra's compact errors, 'exception' where Hydra prints a Python traceback. */
  readonly kind: 'compact' | 'exception';
  /** For the exception kind: the qualified type, e.g. 'omegaconf.errors.InterpolationKeyError'. */
  readonly exceptionType?: string;
  /**
   * verl-ts's addition to Hydra's text, e.g. "Did you mean 'trainer.total_epochs'?" for a mistyped key. It is
   * the last line of `message`, after Hydra's own output, which stays byte-identical above it.
   */
  readonly suggestion?: string;

  constructor(kind: 'compact' | 'exception', hydraMessage: string, exceptionType?: string, suggestion?: string) {
    const text =
      kind === 'compact'
        ? `${hydraMessage}\n\n${HYDRA_FULL_ERROR_HINT}`
        : hydraMessage === ''
          ? (exceptionType ?? 'Exception')
          : `${exceptionType}: ${hydraMessage}`;
    super(suggestion === undefined ? text : `${text}\n${suggestion}`);
    this.kind = kind;
    this.hydraMessage = hydraMessage;
    if (exceptionType !== undefined) this.exceptionType = exceptionType;
    if (suggestion !== undefined) this.suggestion = suggestion;
  }
}

/** Map a pipeline failure to the public error; anything else is a bug and is rethrown. */
export function toComposeError(err: unknown): ConfigComposeError {
  if (err instanceof ConfigComposeError) return err;
  if (err instanceof HydraCompactError) {
    const text = err.pyCause ? `${err.message}\n${err.pyCause.message}` : err.message;
    return new ConfigComposeError('compact', text, undefined, err.suggestion);
  }
  if (err instanceof PyError) return new ConfigComposeError('exception', err.message, err.qualifiedType);
  throw err;
}

/** Run a pipeline stage, converting its Python-modelled failures to ConfigComposeError. */
export function publicErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toComposeError(err);
  }
}
