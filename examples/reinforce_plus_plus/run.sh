#!/usr/bin/env bash
# REINFORCE++ on the embedded digit-completion task (tiny Llama from the SFT warm start, config/quickstart.yaml).
# Run from the repository root: bash examples/reinforce_plus_plus/run.sh [more overrides]
set -euo pipefail
# `verl-ts` is the installed command; in a clone, `npx verl-ts` runs the built CLI (`npm run build` first).
command -v verl-ts >/dev/null || verl-ts() { npx --no-install verl-ts "$@"; }

verl-ts train \
  algorithm.adv_estimator=reinforce_plus_plus \
  actor_rollout_ref.actor.use_kl_loss=true \
  actor_rollout_ref.actor.kl_loss_coef=0.001 \
  actor_rollout_ref.actor.kl_loss_type=k2 \
  trainer.experiment_name=digit_completion_reinforce_plus_plus \
  "$@"
