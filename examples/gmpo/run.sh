#!/usr/bin/env bash
# GMPO on the embedded digit-completion task (tiny Llama from the SFT warm start, config/quickstart.yaml).
# Run from the repository root: bash examples/gmpo/run.sh [more overrides]
set -euo pipefail
# `verl-ts` is the installed command; in a clone, `npx verl-ts` runs the built CLI (`npm run build` first).
command -v verl-ts >/dev/null || verl-ts() { npx --no-install verl-ts "$@"; }

verl-ts train \
  algorithm.adv_estimator=grpo \
  actor_rollout_ref.actor.policy_loss.loss_mode=geo_mean \
  actor_rollout_ref.actor.clip_ratio_low=0.4 \
  actor_rollout_ref.actor.clip_ratio_high=0.4 \
  trainer.experiment_name=digit_completion_gmpo \
  "$@"
