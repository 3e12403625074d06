/** The engine's user-facing errors: graph construction, run feeds, device setup. */
import { UserError } from '../util/errors.js';

/** A graph could not be built: wrong shapes or dtypes, an unknown op, a missing gradient rule. */
export class GraphBuildError extends UserError {}

/** A run was given feeds that do not fit the graph (missing or unknown names, wrong dtype or dims). */
export class EngineInputError extends UserError {}

/** The requested device or session setup is not available (e.g. CUDA without its libraries). */
export class EngineSetupError extends UserError {}
