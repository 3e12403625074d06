#!/usr/bin/env bash
# Online DPO / SPIN-style (recipe) on the embedded digit-completion task (tiny Llama from the SFT warm start, config/quickstart.yaml).
# Run from the repository root: bash examples/online_dpo/run.sh [more overrides]
set -euo pipefail
# `verl-ts` is the installed command; in a clone, `npx verl-ts` runs the built CLI (`npm run build` first).
command -v verl-ts >/dev/null || verl-ts() { npx --no-install verl-ts "$@"; }

verl-ts train \
  +recipe=online_dpo \
  actor_rollout_ref.rollout.n=8 \
  actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=32 \
  trainer.experiment_name=digit_completion_online_dpo \
  "$@"
