// Child process for signal tests. argv: root mode. Prints progress lines the parent waits for.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint } from '../../../src/trainer/checkpoint.js';
import { installInterruptHandler } from '../../../src/trainer/signals.js';

const [root, mode] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(`${line}\n`);
const handler = installInterruptHandler({ onFirst: (s) => say(`first:${s}`), onSecond: (s) => say(`second:${s}`) });
let reported = false;
setInterval(() => {
  if (!reported && handler.interrupted() !== null) {
    reported = true;
    say(`flag:${handler.interrupted()}`);
  }
}, 5);

if (mode === 'dispose') {
  handler.dispose();
  say('ready');
} else {
  await saveCheckpoint(root, 1, [{ name: 'actor', save: async (dir) => writeFileSync(join(dir, 'weights.txt'), 'one') }]);
  say(`flag-before:${handler.interrupted()}`);
  await saveCheckpoint(root, 2, [
    {
      name: 'actor',
      save: async (dir) => {
        writeFileSync(join(dir, 'weights.txt'), 'two');
        say('saving');
        await new Promise(() => {});
      },
    },
  ]);
}
