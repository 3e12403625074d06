/**
 * Headless Chromium for the browser tests: the system's own (Debian's `chromium` package, or $CHROMIUM_PATH),
 * driven by playwright-core, which downloads nothing. `chromiumPath` is null, with the reason, when there is none.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string => !!p);

export const chromiumPath: string | null = CANDIDATES.find((p) => existsSync(p)) ?? null;

export const chromiumMissing = `no Chromium found (looked at ${CANDIDATES.join(', ')}); install it with \`apt-get install -y chromium\` or set CHROMIUM_PATH`;

export function launchChromium(): Promise<Browser> {
  if (chromiumPath === null) throw new Error(chromiumMissing);
  // --no-sandbox: Chromium's sandbox needs kernel features containers (and root) do not give it.
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
}
