// Config composer timings (run after `npm run build`): compose + print for the rl_* Hydra cases, for
// config/ppo_trainer.yaml when present and verl's own tree (VERL_CONFIG_DIR, else ../shared/fixtures), the full
// train path (compose + resolve + schema validation + start-up checks + print) against its 20 ms budget, and
// the CLI cold start (--version, --help, print-config with and without the parse store) as ratios to a bare
// `node -e 0` in the same run. Each run's figures are kept in bench/results/config.last.json (not committed)
// and the next run prints its ratio to them. Prints numbers; asserts nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist/config/index.js');
if (!existsSync(dist)) {
  console.error('build first: npm run build');
  process.exit(2);
}
const { compose, toYaml, resolveAll, flatten } = await import(dist);
// verl's own config tree: VERL_CONFIG_DIR, else the copy in the shared fixtures next to this checkout.
const sharedVerlConfig = path.resolve(root, '../shared/fixtures/verl-config');
const verlConfigDir = process.env.VERL_CONFIG_DIR ?? (existsSync(path.join(sharedVerlConfig, 'ppo_trainer.yaml')) ? sharedVerlConfig : undefined);

function time(label, fn, iterations) {
  for (let i = 0; i < 3; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / iterations;
  console.log(`${label.padEnd(58)} ${ms.toFixed(2).padStart(8)} ms/iter  (${iterations} iters)`);
  return ms;
}

function countLeaves(options) {
  return flatten(compose(options).config).length;
}

const casesDir = path.join(root, 'tests/fixtures/hydra-cases');
const targets = [];
for (const name of ['rl_ppo_default_compose', 'rl_ppo_overrides_resolved', 'rl_grpo_megatron_no_critic']) {
  const dir = path.join(casesDir, name);
  const overrides = readFileSync(path.join(dir, 'overrides.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const resolve = existsSync(path.join(dir, 'flags.txt'));
  targets.push({ label: name, options: { configDir: path.join(dir, 'conf'), configName: 'config', overrides }, resolve });
}
if (existsSync(path.join(root, 'config/ppo_trainer.yaml'))) {
  targets.push({ label: 'config/ppo_trainer', options: { configDir: path.join(root, 'config'), configName: 'ppo_trainer', overrides: [] } });
}
if (verlConfigDir) {
  for (const name of ['ppo_trainer', 'ppo_megatron_trainer']) {
    targets.push({ label: `verl ${name}`, options: { configDir: verlConfigDir, configName: name, overrides: [] } });
  }
}

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
for (const t of targets) {
  const leaves = countLeaves(t.options);
  const run = () => {
    const r = compose(t.options);
    return toYaml(t.resolve ? resolveAll(r.config) : r.config);
  };
  time(`compose+print ${t.label} (${leaves} leaves${t.resolve ? ', resolved' : ''})`, run, 50);
}

const results = {};
const { loadTrainerConfig } = await import(path.join(root, 'dist/config/validate-config.js'));
const { algorithmNeeds, registryNames } = await import(path.join(root, 'dist/cli/registry-names.js'));
const trainOptions = {
  configDir: path.join(root, 'config'),
  configName: 'ppo_trainer',
  overrides: [
    'actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8',
    'actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu=16',
    'critic.ppo_micro_batch_size_per_gpu=8',
  ],
  env: {},
  cwd: root,
  registryNames,
  algorithmNeeds,
};
for (let i = 0; i < 3; i++) toYaml((await loadTrainerConfig(trainOptions)).composed.config);
{
  const iterations = 50;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) toYaml((await loadTrainerConfig(trainOptions)).composed.config);
  results.trainConfigMs = Number(process.hrtime.bigint() - start) / 1e6 / iterations;
  console.log(`${'compose+validate+print config/ppo_trainer (train path)'.padEnd(58)} ${results.trainConfigMs.toFixed(2).padStart(8)} ms/iter  (${iterations} iters; budget 20 ms: ${(results.trainConfigMs / 20).toFixed(2)}x)`);
}

const bin = path.join(root, 'bin/verl-ts');
const caseConf = path.join(casesDir, 'rl_ppo_default_compose/conf');
// Whole-process wall times, the commands taken in turn within each round so that drift hits them alike;
// medians are quoted, and each command's ratio to bare `node -e 0` measured in the same run.
const coldCommands = {
  node: ['-e', '0'],
  version: [bin, '--version'],
  help: [bin, '--help'],
  printConfig: [bin, 'print-config', '--config-path', verlConfigDir ?? caseConf, '--config-name', verlConfigDir ? 'ppo_trainer' : 'config'],
};
// The same print-config with the parse store off: every YAML file parsed, as on a first run or a changed tree.
coldCommands.printConfigNoStore = coldCommands.printConfig;
// BASELINE_BIN=<another checkout>/bin/verl-ts adds that build's print-config to the same rounds (before/after).
if (process.env.BASELINE_BIN) coldCommands.baselinePrintConfig = [process.env.BASELINE_BIN, ...coldCommands.printConfig.slice(1)];
// The CLI keeps parsed config files in the user cache folder; the bench gives it a fresh one (filled by the
// warm-up round), so that it neither reads nor fills the real one.
const cacheHome = mkdtempSync(path.join(tmpdir(), 'verl-ts-bench-cache-'));
const coldEnv = { ...process.env, XDG_CACHE_HOME: cacheHome };
const envFor = (name) => (name === 'printConfigNoStore' ? { ...coldEnv, VERL_TS_CONFIG_CACHE: '0' } : coldEnv);
const coldRounds = 9;
const samples = Object.fromEntries(Object.keys(coldCommands).map((k) => [k, []]));
try {
  for (let round = -1; round < coldRounds; round++) {
    for (const [name, args] of Object.entries(coldCommands)) {
      const start = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: envFor(name) });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
      if (round >= 0) samples[name].push(ms); // round -1 warms the OS file cache and fills the parse store
    }
  }
} finally {
  rmSync(cacheHome, { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const nodeMs = median(samples.node);
results.nodeStartMs = nodeMs;
results.coldStartMs = median(samples.printConfig);
const coldTargets = { version: 1.5, help: 1.5, printConfig: 3, printConfigNoStore: 3 };
const labels = {
  version: 'verl-ts --version',
  help: 'verl-ts --help',
  printConfig: `verl-ts print-config (${verlConfigDir ? "verl's ppo_trainer" : "verl's tree, rl case"})`,
  printConfigNoStore: 'print-config, parse store off (all parsed)',
};
console.log(`${'CLI cold start: bare `node -e 0`'.padEnd(58)} ${nodeMs.toFixed(1).padStart(8)} ms/run  (median of ${coldRounds})`);
if (process.env.BASELINE_BIN) {
  coldTargets.baselinePrintConfig = 3;
  labels.baselinePrintConfig = `BASELINE_BIN print-config (same config)`;
}
for (const [name, target] of Object.entries(coldTargets)) {
  const ms = median(samples[name]);
  results[`${name}Ms`] = ms;
  const ratio = ms / nodeMs;
  console.log(`${`CLI cold start: ${labels[name]}`.padEnd(58)} ${ms.toFixed(1).padStart(8)} ms/run  = ${ratio.toFixed(2)}x node -e 0 (target <= ${target}x: ${ratio <= target ? 'met' : 'NOT met'})`);
}

const lastFile = path.join(root, 'bench/results/config.last.json');
if (existsSync(lastFile)) {
  const last = JSON.parse(readFileSync(lastFile, 'utf8'));
  for (const key of ['trainConfigMs', 'coldStartMs']) {
    if (typeof last[key] === 'number') console.log(`${`ratio to the previous run: ${key}`.padEnd(58)} ${(results[key] / last[key]).toFixed(2).padStart(8)}x  (was ${last[key].toFixed(2)} ms, ${last.when})`);
  }
}
mkdirSync(path.dirname(lastFile), { recursive: true });
writeFileSync(lastFile, `${JSON.stringify({ ...results, when: new Date().toISOString() }, null, 2)}\n`);
