// verl's own rule for its config files: every field has a comment line directly above it (a blank line
// between the comment and the field is not allowed, and an inline comment does not count).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const CONFIG_DIR = new URL('../../config/', import.meta.url).pathname;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return name.endsWith('.yaml') && !name.startsWith('_generated') ? [p] : [];
  });
}

/** Keys of mapping lines: `  name:` or `  name: value` (not list items, not comments, not block text). */
export function uncommentedFields(text: string): Array<{ line: number; key: string }> {
  const lines = text.split('\n');
  const missing: Array<{ line: number; key: string }> = [];
  let blockIndent: number | null = null;
  lines.forEach((raw, i) => {
    const indent = raw.length - raw.trimStart().length;
    if (blockIndent !== null) {
      if (raw.trim() === '' || indent > blockIndent) return;
      blockIndent = null;
    }
    const m = /^(\s*)([A-Za-z_][\w.-]*|'[^']*'|"[^"]*"):(\s|$)/.exec(raw);
    if (!m) return;
    if (/:\s*[|>][-+0-9]*\s*$/.test(raw)) blockIndent = indent;
    const prev = lines[i - 1] ?? '';
    const prevIndent = prev.length - prev.trimStart().length;
    if (!prev.trimStart().startsWith('#') || prevIndent !== indent) missing.push({ line: i + 1, key: m[2] });
  });
  return missing;
}

describe('config comment rule', () => {
  const files = yamlFiles(CONFIG_DIR);
  it('finds the config files', () => {
    expect(files.map((f) => relative(CONFIG_DIR, f))).toContain('ppo_trainer.yaml');
  });
  for (const file of files) {
    it(`every field in ${relative(CONFIG_DIR, file)} has a comment line above it`, () => {
      const missing = uncommentedFields(readFileSync(file, 'utf8'));
      expect(missing.map((m) => `${relative(CONFIG_DIR, file)}:${m.line} ${m.key}`)).toEqual([]);
    });
  }
  it('the rule itself catches a missing or detached comment', () => {
    expect(uncommentedFields('# ok\na: 1\nb: 2\n# detached\n\nc: 3\nd:\n  # fine\n  e: 1\n  f: 2\n').map((m) => m.key)).toEqual(['b', 'c', 'd', 'f']);
  });
});
