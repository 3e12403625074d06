import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Argv } from 'yargs';
import type { CliCommand } from './command.js';
import { commands, namedCommand } from './commands.js';
import type { CliIO } from './io.js';
import { processIO } from './io.js';
import { UserError } from '../util/errors.js';
import { closestNames } from '../util/suggest.js';
import { fsUserError } from '../util/fs-check.js';
import { packageRoot } from '../util/package-root.js';

export { removeTempsOnSignal } from '../util/atomic-write.js';

/**
 * What the CLI prints for a user error: its message, or with HYDRA_FULL_ERROR=1 (as Hydra does) the full stack,
 * including the stacks of the errors it wraps.
 */
function userErrorText(err: UserError, env: NodeJS.ProcessEnv): string {
  if (env.HYDRA_FULL_ERROR !== '1') return err.message;
  const parts: string[] = [];
  for (let e: unknown = err; e !== undefined; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? (e.stack ?? e.message) : String(e));
  }
  // Hydra prints its hint only when the full error is off.
  return parts.join('\nCaused by: ').replace(/\n\nSet the environment variable HYDRA_FULL_ERROR=1 for a complete stack trace\./g, '');
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** What yargs 18 reports of its declared options (`getOptions`, missing from @types/yargs 17). */
interface DeclaredOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
}

function declaredOptions(y: Argv): DeclaredOptions {
  return (y as unknown as { getOptions: () => DeclaredOptions }).getOptions();
}

/**
 * Stop yargs from rendering a command's whole help text in advance each time the command runs (it keeps it
 * for a failure inside the handler; ours report their own errors). Rendering measures every cell's width with
 * Unicode segmentation, about a tenth of `print-config`'s cold start. yargs 18 has no option for it, so this
 * replaces the internal hook when it is there and leaves yargs alone otherwise.
 */
function withoutHelpPrerender(y: Argv): Argv {
  const internals = (y as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } })
    .getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
  return y;
}

/** Let every `--a_b` flag also be spelled `--a-b` and the other way round (verl's scripts use `_`). */
function withBothSpellings(y: Argv): Argv {
  const declared = Object.keys(declaredOptions(y).key);
  let out = y;
  for (const name of declared) {
    const other = name.includes('_') ? name.replace(/_/g, '-') : name.replace(/-/g, '_');
    if (other !== name && !declared.includes(other)) out = out.alias(name, other);
  }
  return out;
}

/** The flags (and aliases) a yargs instance knows, for did-you-mean on an unknown one. */
function knownFlags(y: Argv): string[] {
  const options = declaredOptions(y);
  return [...Object.keys(options.key), ...Object.values(options.alias).flat()].filter((k) => !/[A-Z]/.test(k));
}

/** yargs' "Unknown argument(s): x, y" with the closest command or flag for each. */
function withSuggestions(message: string, y: Argv): string {
  const m = /^Unknown (arguments?|commands?): (.+)$/.exec(message);
  if (!m) return message;
  const kind = m[1].startsWith('command') ? 'command' : 'argument';
  const flags = knownFlags(y);
  // yargs also reports the camelCase copy of an unknown --kebab-flag; one line per flag is enough.
  const hints = m[2].split(', ').filter((word) => !/[A-Z]/.test(word)).map((word) => {
    const close = closestNames(word, Object.keys(commands), 1)[0];
    if (close !== undefined && !word.includes('.')) return `Unknown command: ${word}. Did you mean '${close}'?`;
    const flag = kind === 'command' ? undefined : closestNames(word, flags, 1)[0];
    return `Unknown ${kind}: ${word}${flag === undefined ? '' : `. Did you mean --${flag}?`}`;
  });
  return hints.join('\n');
}

const SYNOPSIS = '$0 <command> [overrides..] [options]\n\nRL post-training for causal LMs with verl-compatible configs.';

/** `verl-ts --help`: the command list from the summaries, rendered without loading yargs or any command. */
function topLevelHelp(): string {
  const rows = Object.values(commands).map((c) => [`verl-ts ${c.usage}`, c.describe]);
  const width = Math.max(...rows.map(([u]) => u.length));
  const options = [
    ['-V, --version', 'Show version number'],
    ['-h, --help', 'Show help'],
  ];
  const list = (items: string[][], w: number) => items.map(([a, b]) => `  ${a.padEnd(w)}  ${b}`).join('\n');
  return [
    SYNOPSIS.replace('$0', 'verl-ts'),
    '',
    'Commands:',
    list(rows, width),
    '',
    'Options:',
    list(options, width),
    '',
    'Run `verl-ts <command> --help` for a command\'s options and examples.',
    '',
  ].join('\n');
}

/**
 * Run the CLI on `argv` (without node and script). Returns the exit code; never throws for user errors:
 * a UserError prints its message (no stack) and maps to its exit code.
 */
export async function runCli(argv: string[], io: CliIO = processIO()): Promise<number> {
  // The version and the command list need nothing else: answered before loading the argument parser.
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout(`${packageVersion()}\n`);
    return 0;
  }
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    io.stdout(topLevelHelp());
    return 0;
  }
  const { default: yargs } = await import('yargs');
  const name = namedCommand(argv);
  const loaded: CliCommand | undefined = name === undefined ? undefined : await commands[name].load();
  let exitCode = 0;
  let y = yargs(argv)
    .scriptName('verl-ts')
    .usage(SYNOPSIS)
    .parserConfiguration({ 'parse-positional-numbers': false, 'parse-numbers': false, 'boolean-negation': false })
    .version(packageVersion())
    .alias('version', 'V')
    .help()
    .alias('help', 'h')
    .strict()
    .strictCommands()
    .demandCommand(1, 'Name a command; `verl-ts --help` lists them.')
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UserError(withSuggestions(msg, y), { exitCode: 2 });
    });
  for (const [commandName, summary] of Object.entries(commands)) {
    if (loaded && commandName === name) {
      const cmd = loaded;
      y = y.command(
        cmd.usage,
        cmd.describe,
        (b) => {
          let built = withBothSpellings(cmd.build(b));
          for (const [ex, desc] of cmd.examples ?? []) built = built.example(ex, desc);
          return built.fail((msg, err) => {
            if (err) throw err;
            throw new UserError(withSuggestions(msg, built), { exitCode: 2 });
          });
        },
        async (args) => {
          exitCode = await cmd.run(args as Record<string, unknown>, io);
        },
      );
    } else {
      // Listed in the help; never run, since argv does not name it.
      y = y.command(summary.usage, summary.describe);
    }
  }
  try {
    await withoutHelpPrerender(y).parseAsync(argv, {}, (err, _parsed, output) => {
      if (output) (err ? io.stderr : io.stdout)(output.endsWith('\n') ? output : `${output}\n`);
    });
  } catch (err) {
    const userError = err instanceof UserError ? err : fsUserError(err);
    if (userError) {
      const text = userErrorText(userError, io.env);
      io.stderr(text.endsWith('\n') ? text : `${text}\n`);
      return userError.exitCode;
    }
    throw err;
  }
  return exitCode;
}

