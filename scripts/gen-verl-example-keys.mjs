// Regenerates tests/fixtures/config/verl-example-keys.json: the command-line overrides of verl's published
// GRPO/PPO example scripts (examples/grpo_trainer/*.sh, examples/ppo_trainer/*.sh), read from a verl checkout.
//   node scripts/gen-verl-example-keys.mjs /path/to/verl [out.json]
// Only what a shell would pass to `python3 -m verl.trainer.main_ppo` is kept; variables the script assigns
// are expanded, anything else (e.g. $HOME) stays as written so the test can see it was not resolved.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [verlDir, outArg] = process.argv.slice(2);
if (!verlDir) {
  console.error('usage: node scripts/gen-verl-example-keys.mjs VERL_CHECKOUT [OUT_JSON]');
  process.exit(2);
}
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = outArg ?? path.join(root, 'tests/fixtures/config/verl-example-keys.json');
const DIRS = ['examples/grpo_trainer', 'examples/ppo_trainer'];
const ENTRY = /\bpython3? +-m +verl\.trainer\.main_ppo\b/;

/** Separates the elements of an array expansion ("${NAME[@]}") until the words are split. */
const ELEMENT = '\u0000';

/** Index just past the `}` closing the `${` at `start`, counting nested braces. */
function braceEnd(text, start) {
  let depth = 0;
  for (let j = start + 1; j < text.length; j++) {
    if (text[j] === '{') depth++;
    else if (text[j] === '}' && --depth === 0) return j + 1;
  }
  return text.length;
}

/** Expand $NAME, ${NAME}, ${NAME:-default} and ${NAME[@]} from `vars`; unknown names stay as written. */
function expand(text, vars) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$' || text.startsWith('$((', i)) {
      out += text[i];
      continue;
    }
    if (text[i + 1] === '{') {
      const end = braceEnd(text, i);
      const inner = text.slice(i + 2, end - 1);
      const m = /^(\w+)(\[@\])?(?::-([\s\S]*))?$/.exec(inner);
      if (!m) out += text.slice(i, end);
      else if (m[2]) out += Array.isArray(vars[m[1]]) ? vars[m[1]].join(ELEMENT) : text.slice(i, end);
      else if (m[1] in vars) out += vars[m[1]];
      else out += m[3] !== undefined ? expand(m[3], vars) : text.slice(i, end);
      i = end - 1;
      continue;
    }
    const m = /^\$(\w+)/.exec(text.slice(i));
    if (m && m[1] in vars) out += vars[m[1]];
    else out += m ? m[0] : '$';
    i += m ? m[0].length - 1 : 0;
  }
  return out;
}

/** `$((expr))` with every name known and only integer arithmetic left: its value; otherwise the text as written. */
function arithmetic(expr, vars) {
  const text = expand(expr, vars).replace(/[A-Za-z_]\w*/g, (name) => (name in vars ? vars[name] : name));
  if (!/^[\d\s+*/()%-]+$/.test(text)) return `$((${expr}))`;
  return String(Math.trunc(Function(`"use strict"; return (${text});`)()));
}

/** End index (exclusive) of the `$((...))` starting at `start`, matching parentheses. */
function arithmeticEnd(line, start) {
  let depth = 0;
  for (let j = start + 1; j < line.length; j++) {
    if (line[j] === '(') depth++;
    else if (line[j] === ')' && --depth === 0) return j + 1;
  }
  return line.length;
}

/** Split a command line as a POSIX shell does for words: quotes, backslashes, expansion outside single quotes. */
function words(line, vars) {
  const result = [];
  let word = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      if (word !== null) result.push(word);
      word = null;
    } else if (c === '#' && word === null) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end === -1 ? undefined : end);
      i = end === -1 ? line.length : end;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      while (j < line.length && line[j] !== '"') {
        if (line[j] === '\\' && j + 1 < line.length) j++;
        text += line[j++];
      }
      word = (word ?? '') + expand(text, vars);
      i = j;
    } else if (line.startsWith('$((', i)) {
      const end = arithmeticEnd(line, i);
      word = (word ?? '') + arithmetic(line.slice(i + 3, end - 2), vars);
      i = end - 1;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else {
      let j = i;
      while (j < line.length && !" \t'\"\\".includes(line[j]) && !line.startsWith('$((', j)) j++;
      word = (word ?? '') + expand(line.slice(i, j), vars);
      i = j - 1;
    }
  }
  if (word !== null) result.push(word);
  return result;
}

const OVERRIDE = /^(~|\+\+|\+)?[A-Za-z_][\w.@/-]*(=|$)/;
const STOP = new Set(['$@', '${@:1}', '|', ';', '&&', '2>&1', '&']);

function parseScript(text) {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const vars = {};
  const lines = joined.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    const array = /^([A-Za-z_]\w*)=\($/.exec(line);
    if (array) {
      const elements = [];
      while (++n < lines.length && lines[n].trim() !== ')') elements.push(...words(lines[n].trim(), vars));
      vars[array[1]] = elements;
      continue;
    }
    const assign = /^(?:export\s+)?([A-Za-z_]\w*)=(.*)$/.exec(line);
    if (assign && !ENTRY.test(line)) {
      const value = words(assign[2], vars);
      vars[assign[1]] = value.join(' ');
      continue;
    }
    const at = line.search(ENTRY);
    if (at === -1) continue;
    const tokens = words(line.slice(at).replace(ENTRY, ''), vars).flatMap((t) => t.split(ELEMENT));
    const overrides = [];
    let configName = 'ppo_trainer';
    for (const t of tokens) {
      if (STOP.has(t) || t.startsWith('>') || t.startsWith('2>')) break;
      const name = /^--config-name[= ](.*)$/.exec(t);
      if (name) configName = name[1].replace(/\.yaml$/, '');
      else if (!t.startsWith('-') && OVERRIDE.test(t)) overrides.push(t);
    }
    return { configName, overrides };
  }
  return undefined;
}

const commit = execFileSync('git', ['-C', verlDir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
const scripts = [];
for (const dir of DIRS) {
  for (const file of readdirSync(path.join(verlDir, dir)).filter((f) => f.endsWith('.sh')).sort()) {
    const parsed = parseScript(readFileSync(path.join(verlDir, dir, file), 'utf8'));
    if (parsed) scripts.push({ script: `${dir}/${file}`, ...parsed });
  }
}
const keyCounts = {};
for (const s of scripts) {
  for (const key of new Set(s.overrides.map((o) => o.replace(/^(~|\+\+|\+)/, '').split('=')[0]))) {
    keyCounts[key] = (keyCounts[key] ?? 0) + 1;
  }
}
const keys = Object.fromEntries(Object.entries(keyCounts).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
const fixture = {
  source: 'https://github.com/volcengine/verl',
  commit,
  generator: 'scripts/gen-verl-example-keys.mjs',
  scripts,
  keys,
};
writeFileSync(out, `${JSON.stringify(fixture, null, 1)}\n`);
console.log(`${scripts.length} scripts, ${Object.keys(keys).length} keys -> ${path.relative(root, out)}`);
