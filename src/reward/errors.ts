import { UserError } from '../util/errors.js';

/** A reward function failed, timed out or returned a non-score; or scoring was misconfigured. */
export class RewardError extends UserError {}
