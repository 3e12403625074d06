#!/usr/bin/env bash
# RLOO on the embedded digit-completion task (tiny Llama from the SFT warm start, config/quickstart.yaml).
# Run from the repository root: bash examples/rloo/run.sh [more overrides]
set -euo pipefail
# `verl-ts` is the installed command; in a clone, `npx verl-ts` runs the built CLI (`npm run build` first).
command -v verl-ts >/dev/null || verl-ts() { npx --no-install verl-ts "$@"; }

verl-ts train \
  algorithm.adv_estimator=rloo \
  trainer.experiment_name=digit_completion_rloo \
  "$@"
