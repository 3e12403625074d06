import type { ProgressStream } from '../util/progress.js';

/** Where a command writes. Tests pass buffers; the real CLI passes the process streams. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Working directory for relative paths (defaults to process.cwd()). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stderr is an interactive terminal (progress bars instead of plain lines). */
  isTTY?: boolean;
  /** The process belongs to this command: it may install SIGINT/SIGTERM handlers. */
  ownsProcess?: boolean;
}

/**
 * A writer for a process stream that survives its reader going away (`verl-ts ... | head`): after EPIPE the
 * output is dropped and the command carries on, so a job whose log is cut short still finishes its work.
 */
function pipeSafeWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
    else throw err;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

export function processIO(): CliIO {
  return {
    stdout: pipeSafeWriter(process.stdout),
    stderr: pipeSafeWriter(process.stderr),
    cwd: process.cwd(),
    env: process.env,
    isTTY: process.stderr.isTTY === true,
    ownsProcess: true,
  };
}

/** The stream progress is reported on: stderr, so that a command's stdout can stay data. */
export function progressStream(io: CliIO): ProgressStream {
  return { write: (s: string) => io.stderr(s), isTTY: io.isTTY === true };
}

/** An in-memory IO for tests and for embedding verl-ts in another program. */
export function bufferIO(options: { cwd?: string; env?: NodeJS.ProcessEnv; isTTY?: boolean } = {}): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    isTTY: options.isTTY ?? false,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    out: () => out,
    err: () => err,
  };
}
