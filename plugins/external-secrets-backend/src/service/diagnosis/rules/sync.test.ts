import { classifyExternalSecret } from '@gitops-secrets/plugin-external-secrets-common';
import { asExternalSecretLike } from '../../classifyInput';
import { NOW, scenarioContext } from '../__testUtils__/diagnosisInput';
import type { DiagnosisInput } from '../types';
import {
  forceSyncIgnored,
  notProcessed,
  staleSync,
  targetSecretMissing,
  vaultUnreachable,
} from './sync';

function healthy(
  tweak: (input: DiagnosisInput) => void = () => {},
  ready: 'True' | 'none' = 'True',
) {
  return scenarioContext({ text: '' }, input => {
    const es = input.externalSecret;
    es.status =
      ready === 'none'
        ? undefined
        : {
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'SecretSynced',
                message: 'secret synced',
              },
            ],
            refreshTime: '2026-01-01T11:59:00Z',
            syncedResourceVersion: '1-x',
          };
    input.store!.status = {
      conditions: [{ type: 'Ready', status: 'True', reason: 'Valid' }],
    };
    tweak(input);
    input.classification = classifyExternalSecret(
      asExternalSecretLike(es),
      NOW,
    );
  });
}

describe('NOT_PROCESSED', () => {
  it.each([
    ['no status yet', healthy(() => {}, 'none'), true],
    ['synced', healthy(), false],
  ])('%s → %s', (_t, ctx, fires) => {
    expect(!!notProcessed.evaluate(ctx)).toBe(fires);
  });
});

describe('STALE_SYNC', () => {
  it.each([
    ['synced a minute ago', healthy(), false],
    [
      'synced a day ago with 2m',
      healthy(i => {
        i.externalSecret.status!.refreshTime = '2025-12-31T11:00:00Z';
      }),
      true,
    ],
    [
      'CreatedOnce synced a day ago',
      healthy(i => {
        i.externalSecret.status!.refreshTime = '2025-12-31T11:00:00Z';
        i.externalSecret.spec!.refreshPolicy = 'CreatedOnce';
      }),
      false,
    ],
    [
      'spec ahead of the sync',
      healthy(i => {
        i.externalSecret.metadata!.generation = 2;
      }),
      true,
    ],
  ])('%s → %s', (_t, ctx, fires) => {
    expect(!!staleSync.evaluate(ctx)).toBe(fires);
  });
});

describe('FORCE_SYNC_IGNORED', () => {
  it.each([
    [
      'CreatedOnce with a later spec change',
      healthy(i => {
        i.externalSecret.spec!.refreshPolicy = 'CreatedOnce';
        i.externalSecret.metadata!.generation = 2;
      }),
      true,
    ],
    [
      'refreshInterval 0 with a later spec change',
      healthy(i => {
        i.externalSecret.spec!.refreshInterval = '0';
        i.externalSecret.metadata!.generation = 3;
      }),
      true,
    ],
    [
      'CreatedOnce, spec unchanged',
      healthy(i => {
        i.externalSecret.spec!.refreshPolicy = 'CreatedOnce';
      }),
      false,
    ],
    [
      'Periodic with a later spec change (ESO will catch up)',
      healthy(i => {
        i.externalSecret.metadata!.generation = 2;
      }),
      false,
    ],
  ])('%s → %s', (_t, ctx, fires) => {
    expect(!!forceSyncIgnored.evaluate(ctx)).toBe(fires);
  });
});

describe('TARGET_SECRET_MISSING', () => {
  it.each([
    [
      'synced but no Secret',
      healthy(i => {
        i.targetExists = false;
      }),
      true,
    ],
    [
      'synced with creationPolicy None',
      healthy(i => {
        i.targetExists = false;
        i.externalSecret.spec!.target!.creationPolicy = 'None';
      }),
      false,
    ],
    ['synced and present', healthy(), false],
  ])('%s → %s', (_t, ctx, fires) => {
    expect(!!targetSecretMissing.evaluate(ctx)).toBe(fires);
  });
});

describe('VAULT_UNREACHABLE', () => {
  it("points at Vault's health before the backend config, and keeps the error out of the summary", () => {
    const ctx = healthy(i => {
      i.vault = { error: 'connect ECONNREFUSED 127.0.0.1:8200' };
    });
    const finding = vaultUnreachable.evaluate(ctx) as any;
    expect(finding.fix.indexOf('health')).toBeLessThan(
      finding.fix.indexOf('externalSecrets.vault'),
    );
    expect(finding.summary).not.toContain('ECONNREFUSED');
    expect(finding.evidence.error).toContain('ECONNREFUSED');
  });

  it('says the same for any failed read (card and tab agree)', () => {
    const a = vaultUnreachable.evaluate(
      healthy(i => {
        i.vault = { error: 'kv version: timeout' };
      }),
    ) as any;
    const b = vaultUnreachable.evaluate(
      healthy(i => {
        i.vault = { error: 'role: 500' };
      }),
    ) as any;
    expect(a.summary).toBe(b.summary);
  });
});
