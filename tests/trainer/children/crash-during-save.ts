// Child process for checkpoint tests: saves step 1, then dies by SIGKILL in the middle of saving step 2.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveCheckpoint } from '../../../src/trainer/checkpoint.js';

const root = process.argv[2];
await saveCheckpoint(root, 1, [{ name: 'actor', save: async (dir) => writeFileSync(join(dir, 'weights.txt'), 'one') }]);
await saveCheckpoint(root, 2, [
  {
    name: 'actor',
    save: async (dir) => {
      writeFileSync(join(dir, 'weights.txt'), 'half');
      process.kill(process.pid, 'SIGKILL');
      await new Promise(() => {});
    },
  },
]);
