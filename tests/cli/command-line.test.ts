// The command line itself: both flag spellings, did-you-mean for commands and flags, Hydra's --cfg on train,
// and the help summaries that stand in for commands that are not loaded.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

const tmp = mkdtempSync(join(tmpdir(), 'verlts-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(argv: string[]) {
  const io = bufferIO({ cwd: tmp, env: {} });
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('flags', () => {
  it.each([['--output_path'], ['--output-path']])('init-model takes %s', async (flag) => {
    const dir = join(tmp, `model${flag}`);
    const r = await cli(['init-model', flag, dir, '--model_type', 'qwen2', '--chars', '0123456789']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'config.json'))).toBe(true);
  });

  it('train takes --config_name as well as --config-name', async () => {
    const r = await cli(['train', '--config_name', 'quickstart', '--cfg', 'job', '--package', 'trainer.project_name']);
    expect(r.out).toBe('verl_ts_quickstart\n');
    expect(r.code).toBe(0);
  });

  it('suggests the closest command and flag', async () => {
    expect(await cli(['trian'])).toEqual({ code: 2, out: '', err: "Unknown command: trian. Did you mean 'train'?\n" });
    expect(await cli(['print-config', '--resolv'])).toEqual({ code: 2, out: '', err: 'Unknown argument: resolv. Did you mean --resolve?\n' });
    expect((await cli(['train', '--dry-runn'])).err).toBe('Unknown argument: dry-runn. Did you mean --dry-run?\n');
  });
});

describe("train --cfg, like a Hydra app's", () => {
  it('job prints what print-config prints (train defaults to the embedded quickstart); --resolve resolves', async () => {
    const job = await cli(['train', '--cfg', 'job', 'trainer.total_epochs=3']);
    const printed = await cli(['print-config', '--config-name', 'quickstart', 'trainer.total_epochs=3']);
    expect(job.out).toBe(printed.out);
    const resolved = await cli(['train', '--cfg', 'job', '--resolve', '-p', 'critic.ppo_mini_batch_size']);
    expect(resolved.out).toBe('16\n');
    const verl = await cli(['train', '--config-name', 'ppo_trainer', '--cfg', 'job', '--resolve', '-p', 'critic.ppo_mini_batch_size']);
    expect(verl.out).toBe('256\n');
  });

  it('hydra prints only the hydra node, without its help texts; all prints it before the job config', async () => {
    const hydra = await cli(['train', '--cfg', 'hydra']);
    expect(hydra.out.startsWith('hydra:\n  run:\n    dir: outputs/')).toBe(true);
    expect(hydra.out).not.toMatch(/^ {2}help:/m);
    expect(hydra.out).not.toMatch(/^actor_rollout_ref:/m);
    const all = await cli(['train', '--cfg', 'all', 'actor_rollout_ref.rollout.name=vllm', 'trainer.nnodes=2']);
    expect(all.out.indexOf('hydra:\n')).toBe(0);
    expect(all.out).toMatch(/^ {2}help:/m);
    expect(all.out).toMatch(/^actor_rollout_ref:/m);
    expect(all.out).toContain('    name: vllm\n');
    // An ignored verl key is recorded among Hydra's task overrides, as given, and sets nothing in the job config.
    expect(all.out).toContain('    task:\n    - actor_rollout_ref.rollout.name=vllm\n    - trainer.nnodes=2\n');
    expect(all.out.slice(all.out.indexOf('\nactor_rollout_ref:'))).not.toContain('nnodes');
    expect(all.code).toBe(0);
  });

  it('refuses a view Hydra does not have', async () => {
    const r = await cli(['train', '--cfg', 'jobs']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Invalid values:');
  });
});

describe('help without loading the commands', () => {
  it("each summary's usage is the command's own", async () => {
    for (const [name, summary] of Object.entries(commands)) {
      const cmd = await summary.load();
      expect({ name, usage: summary.usage }).toEqual({ name: cmd.name, usage: cmd.usage });
    }
  });

  it('lists every command', async () => {
    const r = await cli(['--help']);
    for (const name of Object.keys(commands)) expect(r.out).toContain(`verl-ts ${name}`);
    expect(r.code).toBe(0);
  });
});
