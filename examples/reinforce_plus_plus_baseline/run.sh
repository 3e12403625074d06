#!/usr/bin/env bash
# REINFORCE++-baseline on the embedded digit-completion task (tiny Llama from the SFT warm start, config/quickstart.yaml).
# Run from the repository root: bash examples/reinforce_plus_plus_baseline/run.sh [more overrides]
set -euo pipefail
# `verl-ts` is the installed command; in a clone, `npx verl-ts` runs the built CLI (`npm run build` first).
command -v verl-ts >/dev/null || verl-ts() { npx --no-install verl-ts "$@"; }

verl-ts train \
  algorithm.adv_estimator=reinforce_plus_plus_baseline \
  trainer.experiment_name=digit_completion_reinforce_plus_plus_baseline \
  "$@"
