/**
 * Hydra's own config group (`pkg://hydra.conf`), as in-memory YAML: the `hydra/config` primary with its
 * defaults (output, launcher, sweeper, help, hydra_help, hydra_logging, job_logging, callbacks, env) and the
 * options of each group. Keys and defaults follow Hydra 1.3 so that `hydra.*` overrides and
 * `override hydra/...: ...` entries behave the same; the help texts are verl-ts's own.
 */

export const BUILTIN_HYDRA_FILES: ReadonlyMap<string, string> = new Map([
  [
    'hydra/config.yaml',
    `defaults:
  - output: default
  - launcher: basic
  - sweeper: basic
  - help: default
  - hydra_help: default
  - hydra_logging: default
  - job_logging: default
  - callbacks: null
  - env: default
mode: null
searchpath: []
run:
  dir: ???
sweep:
  dir: ???
  subdir: ???
hydra_logging: ???
job_logging: ???
sweeper: ???
launcher: ???
callbacks: {}
help:
  app_name: ???
  header: ???
  footer: ???
  template: ???
hydra_help:
  hydra_help: ???
  template: ???
output_subdir: .hydra
overrides:
  hydra: []
  task: []
job:
  name: ???
  chdir: null
  override_dirname: ???
  id: ???
  num: ???
  config_name: ???
  env_set: {}
  env_copy: []
  config:
    override_dirname:
      kv_sep: '='
      item_sep: ','
      exclude_keys: []
runtime:
  version: ???
  version_base: ???
  cwd: ???
  config_sources: ???
  output_dir: ???
  choices: {}
verbose: false
`,
  ],
  [
    'hydra/output/default.yaml',
    `# @package hydra
run:
  dir: outputs/\${now:%Y-%m-%d}/\${now:%H-%M-%S}
sweep:
  dir: multirun/\${now:%Y-%m-%d}/\${now:%H-%M-%S}
  subdir: \${hydra.job.num}
`,
  ],
  ['hydra/launcher/basic.yaml', '_target_: hydra._internal.core_plugins.basic_launcher.BasicLauncher\n'],
  [
    'hydra/sweeper/basic.yaml',
    '_target_: hydra._internal.core_plugins.basic_sweeper.BasicSweeper\nmax_batch_size: null\nparams: null\n',
  ],
  [
    'hydra/help/default.yaml',
    `app_name: \${hydra.job.name}
header: '\${hydra.help.app_name} composes its configuration with Hydra-compatible config groups.'
footer: 'Override any value with key=value; see the configuration groups above.'
template: |
  \${hydra.help.header}
  == Configuration groups ==
  $APP_CONFIG_GROUPS
  == Config ==
  $CONFIG
  \${hydra.help.footer}
`,
  ],
  [
    'hydra/hydra_help/default.yaml',
    `hydra_help: ???
template: |
  Hydra-compatible composition (\${hydra.runtime.version}).
  == Flags ==
  $FLAGS_HELP
  == Configuration groups ==
  $HYDRA_CONFIG_GROUPS
`,
  ],
  [
    'hydra/hydra_logging/default.yaml',
    `version: 1
formatters:
  simple:
    format: '[%(asctime)s][HYDRA] %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: simple
    stream: ext://sys.stdout
root:
  level: INFO
  handlers: [console]
loggers:
  logging_example:
    level: DEBUG
disable_existing_loggers: false
`,
  ],
  ['hydra/hydra_logging/disabled.yaml', 'version: 1\nroot:\n  level: ERROR\ndisable_existing_loggers: true\n'],
  ['hydra/hydra_logging/none.yaml', 'version: 1\nroot: null\ndisable_existing_loggers: false\n'],
  [
    'hydra/job_logging/default.yaml',
    `version: 1
formatters:
  simple:
    format: '[%(asctime)s][%(name)s][%(levelname)s] - %(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: simple
    stream: ext://sys.stdout
  file:
    class: logging.FileHandler
    formatter: simple
    filename: \${hydra.runtime.output_dir}/\${hydra.job.name}.log
root:
  level: INFO
  handlers: [console, file]
disable_existing_loggers: false
`,
  ],
  ['hydra/job_logging/disabled.yaml', 'version: 1\nroot:\n  level: ERROR\ndisable_existing_loggers: true\n'],
  ['hydra/job_logging/none.yaml', 'version: 1\nroot: null\ndisable_existing_loggers: false\n'],
  [
    'hydra/job_logging/stdout.yaml',
    `version: 1
formatters:
  simple:
    format: '%(message)s'
handlers:
  console:
    class: logging.StreamHandler
    formatter: simple
    stream: ext://sys.stdout
root:
  level: INFO
  handlers: [console]
disable_existing_loggers: false
`,
  ],
  ['hydra/env/default.yaml', ''],
]);
