/**
 * The scripts and styles a report inlines, read from disk when a report is made: uPlot from node_modules
 * (resolved like an import, so any install layout works) and the page's own viewer from the package's assets/.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface ReportAssets {
  scripts: string[];
  styles: string[];
}

const require = createRequire(import.meta.url);

// src/report/ and dist/report/ are both two folders below the package root.
const ownAsset = (name: string) => fileURLToPath(new URL(`../../assets/report/${name}`, import.meta.url));

export function reportAssets(): ReportAssets {
  return {
    scripts: [readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'), readFileSync(ownAsset('viewer.js'), 'utf8')],
    styles: [readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'), readFileSync(ownAsset('viewer.css'), 'utf8')],
  };
}
