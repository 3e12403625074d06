#!/usr/bin/env bash
# KL in the reward (adaptive controller) on the embedded digit-completion task (tiny Llama from the SFT warm start, config/quickstart.yaml).
# Run from the repository root: bash examples/kl_in_reward/run.sh [more overrides]
set -euo pipefail
# `verl-ts` is the installed command; in a clone, `npx verl-ts` runs the built CLI (`npm run build` first).
command -v verl-ts >/dev/null || verl-ts() { npx --no-install verl-ts "$@"; }

verl-ts train \
  algorithm.adv_estimator=grpo \
  algorithm.use_kl_in_reward=true \
  algorithm.kl_penalty=kl \
  algorithm.kl_ctrl.type=adaptive \
  algorithm.kl_ctrl.kl_coef=0.001 \
  algorithm.kl_ctrl.target_kl=0.1 \
  algorithm.kl_ctrl.horizon=10000 \
  trainer.experiment_name=digit_completion_kl_in_reward \
  "$@"
