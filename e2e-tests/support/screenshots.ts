import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Where the story writes a screenshot. A test run leaves the tree as it found it, so by default
 * screenshots go to `test-results/screenshots/` (ignored by Git); the tracked pictures in `docs/`
 * that the README shows are rewritten only on request, with `UPDATE_DOCS_SCREENSHOTS=1`
 * (`yarn docs:screenshots`).
 */
export function screenshotPath(file: string): string {
  const folder =
    process.env.UPDATE_DOCS_SCREENSHOTS === '1'
      ? path.join(ROOT, 'docs')
      : path.join(ROOT, 'test-results', 'screenshots');
  return path.join(folder, file);
}
