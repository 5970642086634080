import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** An entry of a tree change as GitHub's "create a tree" API takes it. */
export interface TreeChange {
  path: string;
  mode: string;
  /** New text content, or... */
  content?: string;
  /** ...an existing blob, or null to delete the path. */
  sha?: string | null;
}

export interface GitIdentity {
  name: string;
  email: string;
  date?: string;
}

/** A file of a tree, as the contents API reports it. */
export interface TreeFile {
  type: 'file' | 'dir';
  path: string;
  sha: string;
  size?: number;
}

function git(
  cwd: string,
  args: string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        cwd,
        env: {
          ...process.env,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_TERMINAL_PROMPT: '0',
          ...options.env,
        },
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'buffer',
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            Object.assign(
              new Error(`git ${args[0]} failed: ${stderr.toString().trim()}`),
              { stdout: stdout.toString() },
            ),
          );
        } else {
          resolve(stdout.toString());
        }
      },
    );
    if (options.input !== undefined) {
      child.stdin?.end(options.input);
    }
  });
}

/**
 * A bare git repository on disk, changed only through git's own plumbing commands, so the
 * emulator's objects are exactly what `git clone` later sees.
 */
export class BareRepository {
  private constructor(readonly dir: string) {}

  /** Opens a bare repository that already exists on disk (e.g. kept in a state directory). */
  static async open(
    dir: string,
  ): Promise<{ repository: BareRepository; defaultBranch: string }> {
    const head = (await git(dir, ['symbolic-ref', '--short', 'HEAD'])).trim();
    return {
      repository: new BareRepository(dir),
      defaultBranch: head || 'main',
    };
  }

  static async create(dir: string, defaultBranch: string) {
    await fs.mkdir(dir, { recursive: true });
    await git(dir, [
      'init',
      '--bare',
      '--quiet',
      `--initial-branch=${defaultBranch}`,
    ]);
    await git(dir, ['config', 'http.receivepack', 'true']);
    return new BareRepository(dir);
  }

  /** The commit a branch, tag or sha points at; undefined when it does not exist. */
  async resolveCommit(ref: string): Promise<string | undefined> {
    try {
      return (
        await git(this.dir, [
          'rev-parse',
          '--verify',
          '--quiet',
          `${ref}^{commit}`,
        ])
      ).trim();
    } catch {
      return undefined;
    }
  }

  async treeOf(commit: string): Promise<string> {
    return (await git(this.dir, ['rev-parse', `${commit}^{tree}`])).trim();
  }

  async branches(): Promise<Record<string, string>> {
    let out = '';
    try {
      out = await git(this.dir, [
        'for-each-ref',
        '--format=%(refname:short) %(objectname)',
        'refs/heads',
      ]);
    } catch {
      return {};
    }
    return Object.fromEntries(
      out
        .split('\n')
        .filter(Boolean)
        .map(line => line.split(' ') as [string, string]),
    );
  }

  async writeBlob(content: Buffer): Promise<string> {
    return (
      await git(this.dir, ['hash-object', '-w', '--stdin'], { input: content })
    ).trim();
  }

  /** Applies changes on top of a base tree through a throw-away index, like GitHub does. */
  async writeTree(baseTree: string | undefined, changes: TreeChange[]) {
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'gh-index-'));
    const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
    try {
      if (baseTree) {
        await git(this.dir, ['read-tree', baseTree], { env });
      } else {
        await git(this.dir, ['read-tree', '--empty'], { env });
      }
      // One `--index-info` batch; mode 0 removes a path (git plumbing's way to delete).
      const lines: string[] = [];
      for (const change of changes) {
        if (change.sha === null) {
          lines.push(`0 ${'0'.repeat(40)}\t${change.path}`);
          continue;
        }
        const sha =
          change.sha ??
          (await this.writeBlob(Buffer.from(change.content ?? '', 'utf8')));
        lines.push(`${change.mode} ${sha}\t${change.path}`);
      }
      if (lines.length > 0) {
        await git(this.dir, ['update-index', '--index-info'], {
          env,
          input: `${lines.join('\n')}\n`,
        });
      }
      return (await git(this.dir, ['write-tree'], { env })).trim();
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }

  async commitTree(options: {
    tree: string;
    parents: string[];
    message: string;
    author?: GitIdentity;
    committer?: GitIdentity;
  }): Promise<string> {
    const author = options.author ?? {
      name: 'GitHub',
      email: 'noreply@github.com',
    };
    const committer = options.committer ?? author;
    const args = ['commit-tree', options.tree];
    for (const parent of options.parents) {
      args.push('-p', parent);
    }
    return (
      await git(this.dir, args, {
        input: options.message,
        env: {
          GIT_AUTHOR_NAME: author.name,
          GIT_AUTHOR_EMAIL: author.email,
          GIT_COMMITTER_NAME: committer.name,
          GIT_COMMITTER_EMAIL: committer.email,
          ...(author.date ? { GIT_AUTHOR_DATE: author.date } : {}),
        },
      })
    ).trim();
  }

  async updateBranch(branch: string, sha: string) {
    await git(this.dir, ['update-ref', `refs/heads/${branch}`, sha]);
  }

  async deleteBranch(branch: string) {
    await git(this.dir, ['update-ref', '-d', `refs/heads/${branch}`]);
  }

  /** What a path is at a commit: a file, a directory listing, or undefined. */
  async lookup(
    commit: string,
    filePath: string,
  ): Promise<
    { file: TreeFile; content?: Buffer; entries?: TreeFile[] } | undefined
  > {
    const clean = filePath.replace(/^\/+|\/+$/g, '');
    const spec = clean ? `${commit}:${clean}` : `${commit}^{tree}`;
    let type: string;
    try {
      type = (await git(this.dir, ['cat-file', '-t', spec])).trim();
    } catch {
      return undefined;
    }
    const sha = (await git(this.dir, ['rev-parse', spec])).trim();
    if (type === 'blob') {
      const content = await new Promise<Buffer>((resolve, reject) =>
        execFile(
          'git',
          ['cat-file', 'blob', sha],
          { cwd: this.dir, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        ),
      );
      return {
        file: { type: 'file', path: clean, sha, size: content.length },
        content,
      };
    }
    const listing = await git(this.dir, ['ls-tree', '-l', sha]);
    const entries = listing
      .split('\n')
      .filter(Boolean)
      .map(line => {
        const [meta, name] = line.split('\t');
        const [, kind, entrySha, size] = meta.split(/\s+/);
        return {
          type: kind === 'tree' ? ('dir' as const) : ('file' as const),
          path: clean ? `${clean}/${name}` : name,
          sha: entrySha,
          ...(kind === 'blob' ? { size: Number(size) } : {}),
        };
      });
    return { file: { type: 'dir', path: clean, sha }, entries };
  }

  /** Paths that differ between two commits. */
  async changedFiles(from: string, to: string): Promise<string[]> {
    const out = await git(this.dir, ['diff', '--name-only', from, to]);
    return out.split('\n').filter(Boolean);
  }

  /**
   * A true merge commit of `head` into `base` (as GitHub's merge button makes it), or
   * undefined when the branches conflict.
   */
  async merge(
    base: string,
    head: string,
    message: string,
    committer: GitIdentity,
  ): Promise<string | undefined> {
    let tree: string;
    try {
      tree = (await git(this.dir, ['merge-tree', '--write-tree', base, head]))
        .split('\n')[0]
        .trim();
    } catch {
      return undefined;
    }
    return this.commitTree({
      tree,
      parents: [base, head],
      message,
      author: committer,
      committer,
    });
  }
}
