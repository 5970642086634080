#!/usr/bin/env node
/**
 * Benchmark (not a test): what the External Secrets frontend plugin adds to the app bundle,
 * gzipped, and what the browser downloads when an entity page shows the card or the tab.
 *
 * Usage, from the repository root:
 *   node --max-old-space-size=2048 bench/frontend-bundle.mjs             # build the app, measure
 *   node --max-old-space-size=2048 bench/frontend-bundle.mjs --no-build  # existing dist only
 *   add --json for machine-readable output (the stats file is large, hence the heap size)
 *
 * It reads the bundler's stats (packages/app/dist/bundle-stats.json): the lazy chunks are the
 * chunk groups whose origin is an `import()` in the plugin's sources; the plugin's share of the
 * eagerly loaded chunks is estimated from its modules' share of each chunk's source size.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const CARD_TARGET_KB = 60;
const PLUGIN_SOURCE = /plugins\/external-secrets(-common)?\/src\//;
const LAZY_ENTRIES = {
  card: /EntityExternalSecretsCard$/,
  tab: /EntityExternalSecretsContent$/,
};

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const appDir = join(repoRoot, 'packages/app');
const distDir = join(appDir, 'dist');
const statsFile = join(distDir, 'bundle-stats.json');
const args = new Set(process.argv.slice(2));

function build() {
  const result = spawnSync(
    'yarn',
    ['backstage-cli', 'package', 'build', '--stats'],
    { cwd: appDir, stdio: 'inherit' },
  );
  if (result.status !== 0) {
    throw new Error(`app build failed with exit code ${result.status}`);
  }
}

const gzipCache = new Map();
function gzippedSize(file) {
  if (!gzipCache.has(file)) {
    gzipCache.set(file, gzipSync(readFileSync(join(distDir, file))).length);
  }
  return gzipCache.get(file);
}

const jsFiles = chunk => chunk.files.filter(file => file.endsWith('.js'));
const chunkGzip = chunk =>
  jsFiles(chunk).reduce((sum, file) => sum + gzippedSize(file), 0);
const kb = bytes => Math.round((bytes / 1024) * 10) / 10;

function measure(stats) {
  const chunksById = new Map(stats.chunks.map(c => [String(c.id), c]));
  const pluginModules = stats.modules.filter(m =>
    PLUGIN_SOURCE.test(m.name ?? ''),
  );

  const lazy = {};
  for (const [name, request] of Object.entries(LAZY_ENTRIES)) {
    const chunks = stats.chunks.filter(
      chunk =>
        !chunk.initial &&
        chunk.origins.some(
          o =>
            PLUGIN_SOURCE.test(o.moduleName ?? '') && request.test(o.request),
        ),
    );
    lazy[name] = {
      chunks: chunks.map(c => ({
        id: String(c.id),
        files: jsFiles(c),
        gzipBytes: chunkGzip(c),
        // chunks requested from elsewhere too are not the plugin's alone
        sharedWithOtherPlugins: c.origins.some(
          o => !PLUGIN_SOURCE.test(o.moduleName ?? ''),
        ),
      })),
    };
    lazy[name].gzipBytes = lazy[name].chunks.reduce(
      (sum, c) => sum + c.gzipBytes,
      0,
    );
  }

  // eager part: the plugin's modules in chunks that are not its own lazy chunks
  const lazyIds = new Set(
    Object.values(lazy).flatMap(entry => entry.chunks.map(c => c.id)),
  );
  const eagerShare = new Map();
  for (const module of pluginModules) {
    for (const id of (module.chunks ?? []).map(String)) {
      if (!lazyIds.has(id)) {
        eagerShare.set(id, (eagerShare.get(id) ?? 0) + module.size);
      }
    }
  }
  const eager = [...eagerShare].map(([id, sourceBytes]) => {
    const chunk = chunksById.get(id);
    const share = Math.min(1, sourceBytes / chunk.size);
    return {
      id,
      files: jsFiles(chunk),
      initial: chunk.initial,
      pluginSourceBytes: sourceBytes,
      estimatedGzipBytes: Math.round(chunkGzip(chunk) * share),
    };
  });
  const eagerGzip = eager.reduce((sum, c) => sum + c.estimatedGzipBytes, 0);
  const lazyUnion = new Map();
  for (const entry of Object.values(lazy)) {
    for (const chunk of entry.chunks) {
      lazyUnion.set(chunk.id, chunk.gzipBytes);
    }
  }
  const lazyGzip = [...lazyUnion.values()].reduce((a, b) => a + b, 0);

  return {
    builtAt: new Date(stats.builtAt).toISOString(),
    eager,
    lazy,
    totals: {
      eagerGzipBytes: eagerGzip,
      lazyGzipBytes: lazyGzip,
      addedToBundleGzipBytes: eagerGzip + lazyGzip,
      entityPageWithCardGzipBytes: eagerGzip + lazy.card.gzipBytes,
      cardTargetGzipBytes: CARD_TARGET_KB * 1024,
    },
  };
}

function report(result) {
  const { totals, lazy, eager } = result;
  console.log(`External Secrets frontend bundle (app built ${result.builtAt})`);
  console.log('');
  console.log('eagerly loaded with the app (plugin share, estimated):');
  for (const c of eager) {
    console.log(
      `  ${c.files.join(', ')}${c.initial ? ' [initial]' : ''}: ` +
        `${kb(c.estimatedGzipBytes)} KB gz (${kb(
          c.pluginSourceBytes,
        )} KB source)`,
    );
  }
  for (const [name, entry] of Object.entries(lazy)) {
    console.log(`lazy chunks loaded for the ${name}:`);
    for (const c of entry.chunks) {
      console.log(
        `  ${c.files.join(', ')}: ${kb(c.gzipBytes)} KB gz` +
          (c.sharedWithOtherPlugins ? ' (also used by other plugins)' : ''),
      );
    }
    console.log(`  total: ${kb(entry.gzipBytes)} KB gz`);
  }
  console.log('');
  console.log(
    `added to the app bundle:        ${kb(
      totals.addedToBundleGzipBytes,
    )} KB gz`,
  );
  console.log(
    `loaded on an entity page (card): ${kb(
      totals.entityPageWithCardGzipBytes,
    )} KB gz ` +
      `(target ≤ ${CARD_TARGET_KB} KB: ${
        totals.entityPageWithCardGzipBytes <= totals.cardTargetGzipBytes
          ? 'met'
          : 'NOT met'
      })`,
  );
}

if (!args.has('--no-build')) {
  build();
}
if (!existsSync(statsFile)) {
  throw new Error(`${statsFile} is missing; run without --no-build`);
}
const result = measure(JSON.parse(readFileSync(statsFile, 'utf8')));
if (args.has('--json')) {
  console.log(JSON.stringify(result, null, 2));
} else {
  report(result);
}
