import type { ClusterExternalSecretObject } from '@gitops-secrets/plugin-external-secrets-node';
import { diagnoseClusterExternalSecret } from './clusterExternalSecret';

function ces(
  spec: ClusterExternalSecretObject['spec'],
  status: ClusterExternalSecretObject['status'],
): ClusterExternalSecretObject {
  return { metadata: { name: 'db-credentials' }, spec, status };
}

describe('diagnoseClusterExternalSecret', () => {
  it('shows the selector that matches no namespace, as kubectl -l syntax', () => {
    const [finding] = diagnoseClusterExternalSecret({
      clusterExternalSecret: ces(
        {
          namespaceSelectors: [
            {
              matchLabels: { team: 'db' },
              matchExpressions: [
                { key: 'env', operator: 'In', values: ['prod', 'stage'] },
              ],
            },
          ],
        },
        { conditions: [{ type: 'Ready', status: 'True' }] },
      ),
      children: [],
    });
    expect(finding.code).toBe('CES_NO_NAMESPACE_SELECTED');
    expect(finding.summary).toContain('"team=db,env in (prod,stage)"');
    expect(finding.fix).toContain(
      "kubectl get namespaces -l 'team=db,env in (prod,stage)'",
    );
  });

  it('groups the namespaces where the name is taken and names the ExternalSecret', () => {
    const reason = 'external secret already exists in namespace';
    const [finding] = diagnoseClusterExternalSecret({
      clusterExternalSecret: ces(
        { externalSecretName: 'db' },
        {
          externalSecretName: 'db',
          provisionedNamespaces: ['team-c'],
          failedNamespaces: ['team-a', 'team-b', 'team-d', 'team-e'].map(
            namespace => ({ namespace, reason }),
          ),
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              message: 'one or more namespaces failed',
            },
          ],
        },
      ),
      children: [],
    });
    expect(finding.code).toBe('CES_EXTERNAL_SECRET_CONFLICT');
    expect(finding.summary).toContain(
      'ExternalSecret "db" in team-a, team-b, team-d and 1 more',
    );
  });

  it('passes on the first finding of a failing provisioned ExternalSecret, fixed in the template', () => {
    const findings = diagnoseClusterExternalSecret({
      clusterExternalSecret: ces(
        { namespaces: ['team-a'] },
        {
          provisionedNamespaces: ['team-a'],
          conditions: [{ type: 'Ready', status: 'True' }],
        },
      ),
      children: [
        {
          namespace: 'team-a',
          name: 'db-credentials',
          state: 'Error',
          findings: [
            {
              code: 'PROPERTY_MISSING',
              severity: 'error',
              summary: 'Vault secret db/creds has no property "password".',
              fix: 'Add the property in Vault.',
              evidence: {},
            },
          ],
        },
        {
          namespace: 'team-b',
          name: 'db-credentials',
          state: 'Synced',
          findings: [],
        },
      ],
    });
    expect(findings).toHaveLength(1);
    expect(findings[0].code).toBe('CES_EXTERNAL_SECRET_FAILING');
    expect(findings[0].summary).toContain('team-a/db-credentials');
    expect(findings[0].summary).toContain('no property "password"');
    expect(findings[0].fix).toContain('spec.externalSecretSpec');
    expect(findings[0].evidence.finding).toBe('PROPERTY_MISSING');
  });
});
