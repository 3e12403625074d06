// Defaults-list rules beyond the conformance cases (hydra-semantics.md §2), on config trees written to a
// temporary directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compose, ConfigComposeError, toYaml } from '../../src/config/index.js';
import { makeTempDir } from '../support/temp-dir.js';

const root = makeTempDir('verl-ts-defaults-');

let treeCount = 0;
function tree(files: Record<string, string>): string {
  const dir = path.join(root, `t${treeCount++}`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function run(dir: string, overrides: string[] = []): string {
  return toYaml(compose({ configDir: dir, configName: 'config', overrides }).config);
}

function error(dir: string, overrides: string[] = []): ConfigComposeError {
  try {
    run(dir, overrides);
  } catch (err) {
    if (err instanceof ConfigComposeError) return err;
    throw err;
  }
  throw new Error('expected a composition error');
}

const groups = {
  'os/linux.yaml': 'os: linux\n',
  'os/mac.yaml': 'os: mac\n',
  'arch/x86.yaml': 'arch: x86\n',
  'arch/arm.yaml': 'arch: arm\n',
  'image/linux_x86.yaml': 'image: lx\n',
  'image/mac_arm.yaml': 'image: ma\n',
};

describe('defaults lists', () => {
  it('resolves ${..} choices after the other choices, following the command line', () => {
    const dir = tree({ ...groups, 'config.yaml': 'defaults:\n  - os: linux\n  - arch: x86\n  - image: ${os}_${arch}\n  - _self_\n' });
    expect(run(dir)).toBe('os:\n  os: linux\narch:\n  arch: x86\nimage:\n  image: lx\n');
    expect(run(dir, ['os=mac', 'arch=arm'])).toBe('os:\n  os: mac\narch:\n  arch: arm\nimage:\n  image: ma\n');
    expect(error(dir, ['~os']).hydraMessage).toBe("Error resolving interpolation '${os}_${arch}', possible interpolation keys: arch");
  });

  it('requires a choice for ??? and lists the options', () => {
    const dir = tree({ ...groups, 'config.yaml': 'defaults:\n  - os: ???\n' });
    expect(error(dir).hydraMessage).toBe("You must specify 'os', e.g, os=<OPTION>\nAvailable options:\n\tlinux\n\tmac");
    expect(run(dir, ['os=mac'])).toBe('os:\n  os: mac\n');
  });

  it('checks override entries come last and match a default', () => {
    const misplaced = tree({ ...groups, 'config.yaml': 'defaults:\n  - os: linux\n  - override os: mac\n  - arch: x86\n' });
    expect(error(misplaced).hydraMessage).toBe("In config: Override 'os : mac' is defined before 'arch: x86'.\nOverrides must be at the end of the defaults list");
    const works = tree({ ...groups, 'config.yaml': 'defaults:\n  - os: linux\n  - override os: mac\n  - _self_\n' });
    expect(run(works)).toBe('os:\n  os: mac\n');
    expect(run(works, ['os=linux'])).toBe('os:\n  os: linux\n');
  });

  it('rejects a second choice for the same group and duplicate entries', () => {
    const dir = tree({ ...groups, 'config.yaml': 'defaults:\n  - os: linux\n  - _self_\n' });
    expect(error(dir, ['+os=mac']).hydraMessage).toBe("Multiple values for os. To override a value use 'override os: mac'");
    expect(error(dir, ['~os=mac']).hydraMessage).toBe("Could not delete 'os=mac'. No match in the defaults list");
    expect(error(dir, ['++os=mac']).hydraMessage).toBe("force-add of config groups is not supported: '++os=mac'");
    const twice = tree({ ...groups, 'config.yaml': 'defaults:\n  - os: [linux, linux]\n' });
    expect(run(twice)).toBe('os:\n  os: linux\n');
  });

  it('places _self_ and packages as Hydra does', () => {
    const dir = tree({
      ...groups,
      'config.yaml': 'defaults:\n  - _self_\n  - os@platform.os: linux\n  - arch@_global_: arm\nx: 1\narch: overwritten\n',
    });
    expect(run(dir)).toBe('x: 1\narch: arm\nplatform:\n  os:\n    os: linux\n');
    const badSelf = tree({ 'config.yaml': 'defaults:\n  - _self_@pkg\n' });
    expect(error(badSelf)).toMatchObject({ kind: 'exception', exceptionType: 'ValueError', hydraMessage: '_self_@PACKAGE is not supported' });
    const dupSelf = tree({ 'config.yaml': 'defaults:\n  - _self_\n  - _self_\n' });
    expect(error(dupSelf).hydraMessage).toBe('Duplicate _self_ defined in config');
  });

  it('rejects malformed defaults lists with Hydra\'s ValueError texts', () => {
    const mapping = tree({ 'config.yaml': 'defaults:\n  a: b\n' });
    expect(error(mapping).message).toBe("ValueError: Invalid defaults list in 'config', defaults must be a list (got mapping)");
    const twoKeys = tree({ 'config.yaml': 'defaults:\n  - {a: b, c: d}\n' });
    expect(error(twoKeys).message).toBe("ValueError: In config: Too many keys in default item {'a': 'b', 'c': 'd'}");
    const intValue = tree({ 'config.yaml': 'defaults:\n  - a: 5\n' });
    expect(error(intValue).message).toBe('ValueError: Unsupported item value in defaults : int. Supported: string or list');
  });

  it('reports a YAML duplicate key with the file path', () => {
    const dir = tree({ 'config.yaml': 'a: 1\nb: 2\na: 3\n' });
    const err = error(dir);
    expect(err.exceptionType).toBe('yaml.constructor.ConstructorError');
    expect(err.hydraMessage).toBe(
      `while constructing a mapping\n  in "${path.join(dir, 'config.yaml')}", line 1, column 1\nfound duplicate key a\n  in "${path.join(dir, 'config.yaml')}", line 3, column 1`,
    );
  });
});
