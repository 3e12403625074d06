import yargs from 'yargs';
import { readFileSync } from 'node:fs';
import { commandsFor } from './commands.js';
import type { CliIO } from './io.js';
import { processIO } from './io.js';
import { UserError } from '../util/errors.js';
import { fsUserError } from '../util/fs-check.js';

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
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Run the CLI on `argv` (without node and script). Returns the exit code; never throws for user errors:
 * a UserError prints its message (no stack) and maps to its exit code.
 */
export async function runCli(argv: string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  let y = yargs(argv)
    .scriptName('verl-ts')
    .usage('$0 <command> [overrides..] [options]\n\nRL post-training for causal LMs with verl-compatible configs.')
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
      throw new UserError(msg, { exitCode: 2 });
    });
  for (const cmd of await commandsFor(argv)) {
    y = y.command(
      cmd.usage,
      cmd.describe,
      (b) => {
        let built = cmd.build(b);
        for (const [ex, desc] of cmd.examples ?? []) built = built.example(ex, desc);
        return built;
      },
      async (args) => {
        exitCode = await cmd.run(args as Record<string, unknown>, io);
      },
    );
  }
  try {
    await y.parseAsync(argv, {}, (err, _parsed, output) => {
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
