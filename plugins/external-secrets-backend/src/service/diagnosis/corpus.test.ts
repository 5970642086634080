import type { FindingCode } from '@gitops-secrets/plugin-external-secrets-common';
import { corpusInput } from './__testUtils__/diagnosisInput';
import { CORPUS, CorpusRow } from './corpus';
import { CAUSE_CODES, diagnose } from './diagnose';

interface Score {
  expected: number;
  recognised: number;
  predicted: number;
  correct: number;
}

/** The causes diagnosis names; a context code (store not ready…) counts where a row expects it. */
function causes(row: CorpusRow): FindingCode[] {
  return diagnose(corpusInput(row))
    .map(f => f.code)
    .filter(code => CAUSE_CODES.has(code) || row.expect.includes(code));
}

function scoreCorpus() {
  const perCode = new Map<FindingCode, Score>();
  const score = (code: FindingCode) => {
    if (!perCode.has(code))
      perCode.set(code, {
        expected: 0,
        recognised: 0,
        predicted: 0,
        correct: 0,
      });
    return perCode.get(code)!;
  };
  const wrong: string[] = [];
  const missed: string[] = [];
  for (const row of CORPUS) {
    const got = new Set(causes(row));
    for (const code of row.expect) {
      score(code).expected += 1;
      if (got.has(code)) score(code).recognised += 1;
      else
        missed.push(
          `${row.id}: expected ${code}, got ${
            [...got].join(', ') || 'nothing'
          }`,
        );
    }
    for (const code of got) {
      score(code).predicted += 1;
      if (row.expect.includes(code)) score(code).correct += 1;
      else
        wrong.push(
          `${row.id}: named ${code}, expected ${row.expect.join(', ')}`,
        );
    }
  }
  return { perCode, wrong, missed };
}

describe('diagnosis corpus (real ESO and Vault messages)', () => {
  it('has at least 80 cited rows with unique ids, each with a source, versions and channel', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(80);
    expect(new Set(CORPUS.map(r => r.id)).size).toBe(CORPUS.length);
    for (const row of CORPUS) {
      expect(row.source).toMatch(/^(https:\/\/github\.com\/|[\w.-]+\/[\w.-]+)/);
      expect(row.versions).not.toBe('');
      expect(row.expect.length).toBeGreaterThan(0);
      expect(row.text).not.toBe('');
    }
  });

  it('names no wrong cause and recognises every catalogued cause (precision and recall per code)', () => {
    const { perCode, wrong, missed } = scoreCorpus();
    const lines = [...perCode.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, s]) => {
        const precision = s.predicted
          ? `${((100 * s.correct) / s.predicted).toFixed(0)}%`
          : '—';
        const recall = s.expected
          ? `${((100 * s.recognised) / s.expected).toFixed(0)}%`
          : '—';
        return `| ${code} | ${s.expected} | ${s.predicted} | ${precision} | ${recall} |`;
      });
    const total = [...perCode.values()].reduce(
      (t, s) => ({
        expected: t.expected + s.expected,
        recognised: t.recognised + s.recognised,
        predicted: t.predicted + s.predicted,
        correct: t.correct + s.correct,
      }),
      { expected: 0, recognised: 0, predicted: 0, correct: 0 },
    );
    // eslint-disable-next-line no-console
    console.log(
      [
        `corpus: ${CORPUS.length} messages`,
        '| code | rows | named | precision | recall |',
        '| --- | --- | --- | --- | --- |',
        ...lines,
        `| all | ${total.expected} | ${total.predicted} | ${(
          (100 * total.correct) /
          total.predicted
        ).toFixed(1)}% | ${((100 * total.recognised) / total.expected).toFixed(
          1,
        )}% |`,
      ].join('\n'),
    );
    expect(wrong).toEqual([]);
    expect(missed).toEqual([]);
  });

  it.each(CORPUS.map(row => [row.id, row] as const))(
    '%s: every finding has a summary, a fix and short evidence',
    (_id, row) => {
      for (const finding of diagnose(corpusInput(row))) {
        expect(finding.summary.length).toBeGreaterThan(10);
        expect(finding.fix.length).toBeGreaterThan(10);
        for (const value of Object.values(finding.evidence)) {
          expect(typeof value).toBe('string');
        }
      }
    },
  );
});
