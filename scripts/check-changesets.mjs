#!/usr/bin/env node
// Changesets discipline, checked in CI: every published package (plugins/*) whose shipped
// files changed since the last release has a pending changeset naming it, and every changeset names
// only packages of this repository with a valid bump. "The last release" is the newest
// `@gitops-secrets/…@x.y.z` tag (what `changeset tag` writes); before the first release it
// is the commit that set changesets up. Tests, API reports and knip reports do not count as
// shipped files (changedFilePatterns in .changeset/config.json).
//
// Usage: node scripts/check-changesets.mjs [--since <git ref>]
import { execFileSync } from 'node:child_process';
import { assembleReleasePlan } from '@changesets/assemble-release-plan';
import { readConfig } from '@changesets/config';
import { getChangedPackagesSinceRef } from '@changesets/git';
import { readPreState } from '@changesets/pre';
import { readChangesets } from '@changesets/read';
import { getPackages } from '@manypkg/get-packages';

function git(...args) {
  return execFileSync('git', args, { encoding: 'utf8' }).trim();
}

function releaseBase() {
  const given = process.argv.indexOf('--since');
  if (given !== -1) {
    return process.argv[given + 1];
  }
  const tag = git(
    'tag',
    '--list',
    '@gitops-secrets/*@*',
    '--sort=-creatordate',
  ).split('\n')[0];
  if (tag) return tag;
  const setUp = git(
    'log',
    '--diff-filter=A',
    '--format=%H',
    '--',
    '.changeset/config.json',
  )
    .split('\n')
    .filter(Boolean)
    .pop();
  if (!setUp) {
    throw new Error(
      '.changeset/config.json is not committed: commit it before checking changesets',
    );
  }
  return setUp;
}

async function main() {
  const root = git('rev-parse', '--show-toplevel');
  const since = releaseBase();
  const packages = await getPackages(root);
  const parsed = await readConfig(root, packages);
  if (parsed.errors) {
    throw new Error(
      `.changeset/config.json is invalid: ${parsed.errors.join('; ')}`,
    );
  }
  const { config } = parsed;
  // the changesets not yet released: each covers its packages until `changeset version`
  const changesets = await readChangesets(root);
  // throws on a changeset naming an unknown package or an invalid bump
  const plan = assembleReleasePlan(
    changesets,
    packages,
    config,
    await readPreState(root),
  );
  const named = new Set(
    changesets.flatMap(changeset => changeset.releases.map(r => r.name)),
  );
  const changed = (
    await getChangedPackagesSinceRef({
      cwd: root,
      ref: since,
      changedFilePatterns: config.changedFilePatterns,
    })
  ).filter(pkg => !pkg.packageJson.private);
  const missing = changed
    .map(pkg => pkg.packageJson.name)
    .filter(name => !named.has(name))
    .sort();

  console.log(
    `Pending changesets: ${
      changesets.length
    }; published packages changed since ${since.slice(0, 40)}: ${
      changed.map(pkg => pkg.packageJson.name).join(', ') || 'none'
    }`,
  );
  for (const release of plan.releases.filter(r => r.type !== 'none')) {
    console.log(`  ${release.name}: ${release.type} -> ${release.newVersion}`);
  }
  if (missing.length > 0) {
    console.error(
      `These packages changed since ${since} but no changeset names them: ${missing.join(
        ', ',
      )}. Add one with \`yarn changeset\` (pick the package and the bump, describe the change for its users).`,
    );
    process.exitCode = 1;
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
