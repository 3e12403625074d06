/** Where a command writes. Tests pass buffers; the real CLI passes the process streams. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Working directory for relative paths (defaults to process.cwd()). */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function processIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
  };
}

/** An in-memory IO for tests and for embedding verl-ts in another program. */
export function bufferIO(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    out: () => out,
    err: () => err,
  };
}
