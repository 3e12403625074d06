/** Runs a TypeScript child script (through tsx) and lets a test wait for its output lines and exit. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Child {
  proc: ChildProcess;
  /** Resolves when a line equal to `line` has been printed (already printed ones count). */
  waitFor(line: string): Promise<void>;
  lines(): string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function runChild(script: URL, args: string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script.pathname, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const seen: string[] = [];
  const waiters: Array<{ line: string; resolve: () => void }> = [];
  let buffer = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) {
      seen.push(line);
      for (const w of waiters.filter((x) => x.line === line)) w.resolve();
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    proc.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    proc,
    lines: () => [...seen],
    exit,
    waitFor: (line) =>
      seen.includes(line)
        ? Promise.resolve()
        : Promise.race([
            new Promise<void>((resolve) => waiters.push({ line, resolve })),
            exit.then(({ code, signal, stderr: err }) => {
              throw new Error(`child exited (code ${code}, signal ${signal}) before printing '${line}'; output: ${seen.join(' | ')}; stderr: ${err}`);
            }),
          ]),
  };
}
