/**
 * Which charts a report draws and which metrics go into each (verl's metric names), kept to the metrics a run
 * actually logged. The browser side (assets/report/viewer.js) draws them from this description.
 */

export interface Panel {
  id: string;
  title: string;
  /** Metric keys drawn as lines, in legend order. */
  keys: string[];
  /** Keys drawn against a second y axis on the right (ratios beside lengths, explained variance beside a loss). */
  rightKeys?: string[];
  /** A min–max band around the first key. */
  band?: { min: string; max: string };
  /** Draw the keys stacked (time per phase); hover still shows each key's own value. */
  stacked?: boolean;
  /** Mark the steps where `flag` > 0 on the curve of `on` (skipped non-finite updates on the grad norm). */
  markers?: Array<{ flag: string; on: string; label: string }>;
  /** Sparse curves (validation every test_freq steps): draw points and join them across missing steps. */
  sparse?: boolean;
}

/** verl's phase order in a step (fit()), so the stacked timing chart reads bottom-up like the loop. */
const PHASE_ORDER = ['gen', 'gen_max', 'reward', 'old_log_prob', 'ref', 'values', 'adv', 'update_critic', 'update_actor', 'dump_rollout_generations', 'testing', 'save_checkpoint'];

function phaseRank(key: string): number {
  const i = PHASE_ORDER.indexOf(key.slice('timing_s/'.length));
  return i < 0 ? PHASE_ORDER.length : i;
}

/** The charts for runs that logged `keys` (the union over the runs compared); charts with nothing to draw are left out. */
export function panelsFor(keys: ReadonlySet<string>): Panel[] {
  const has = (k: string) => keys.has(k);
  const present = (ks: string[]) => ks.filter(has);
  const timing = [...keys].filter((k) => k.startsWith('timing_s/') && k !== 'timing_s/step').sort((a, b) => phaseRank(a) - phaseRank(b) || a.localeCompare(b));
  const panels: Panel[] = [
    { id: 'score', title: 'Score (critic/score: mean, min–max band)', keys: present(['critic/score/mean']), band: { min: 'critic/score/min', max: 'critic/score/max' } },
    { id: 'validation', title: 'Validation (val-core, per data source)', keys: [...keys].filter((k) => k.startsWith('val-core/')).sort(), sparse: true },
    { id: 'response-length', title: 'Response length (tokens; clip ratio on the right)', keys: present(['response_length/mean', 'response_length/max']), rightKeys: present(['response_length/clip_ratio']) },
    { id: 'pg-loss', title: 'Policy loss (actor/pg_loss)', keys: present(['actor/pg_loss']) },
    { id: 'entropy', title: 'Entropy (actor/entropy)', keys: present(['actor/entropy']) },
    { id: 'kl', title: 'KL', keys: present(['actor/ppo_kl', 'actor/kl_loss', 'actor/reward_kl_penalty']) },
    {
      id: 'grad-norm',
      title: 'Gradient norm (skipped updates marked)',
      keys: present(['actor/grad_norm', 'critic/grad_norm']),
      markers: [
        { flag: 'actor/skipped_updates', on: 'actor/grad_norm', label: 'actor update skipped' },
        { flag: 'critic/skipped_updates', on: 'critic/grad_norm', label: 'critic update skipped' },
      ].filter((m) => has(m.flag) && has(m.on)),
    },
    { id: 'lr', title: 'Learning rate', keys: present(['actor/lr', 'critic/lr']) },
    { id: 'clipfrac', title: 'Clip fractions', keys: present(['actor/pg_clipfrac', 'actor/pg_clipfrac_lower', 'critic/vf_clipfrac']) },
    { id: 'critic', title: 'Critic (value loss; explained variance on the right)', keys: present(['critic/vf_loss']), rightKeys: present(['critic/vf_explained_var']) },
    { id: 'timing', title: 'Time per phase (seconds, stacked)', keys: timing, stacked: true },
    { id: 'throughput', title: 'Throughput (perf/throughput, tokens/s)', keys: present(['perf/throughput']) },
  ];
  return panels.filter((p) => p.keys.length + (p.rightKeys?.length ?? 0) > 0);
}
