import type { SeedService } from './seedServices';

/**
 * How each seeded service's Deployment reads its target Secret, so the consumers view has each
 * kind of consumer to show: example-api through `envFrom` (read at start: a new value needs a
 * restart), example-worker through a `secret` volume (the kubelet updates the files in place),
 * example-admin through one `env` variable (`secretKeyRef`).
 */
const USES: Record<string, 'envFrom' | 'volume' | 'env'> = {
  'example-api': 'envFrom',
  'example-worker': 'volume',
  'example-admin': 'env',
};

/** The seeded service's Deployment, as its GitOps folder holds it (`apps/<name>/deployment.yaml`). */
export function seedDeployment(service: SeedService): Record<string, any> {
  const secret = service.externalSecret.spec.target.name as string;
  const labels = {
    'app.kubernetes.io/name': service.name,
    'backstage.io/kubernetes-id': service.name,
  };
  const container: Record<string, any> = {
    name: service.name.replace(/^example-/, ''),
    image: `${service.name}:1.0`,
  };
  const podSpec: Record<string, any> = {
    automountServiceAccountToken: false,
    containers: [container],
  };
  switch (USES[service.name] ?? 'envFrom') {
    case 'envFrom':
      container.envFrom = [{ secretRef: { name: secret } }];
      break;
    case 'env':
      container.env = [
        {
          name: 'CONFIG',
          valueFrom: {
            secretKeyRef: { name: secret, key: service.secretKey },
          },
        },
      ];
      break;
    case 'volume':
      container.volumeMounts = [
        { name: 'config', mountPath: `/etc/${service.name}`, readOnly: true },
      ];
      podSpec.volumes = [{ name: 'config', secret: { secretName: secret } }];
      break;
    default:
      break;
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: service.name, namespace: service.name, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': service.name } },
      template: { metadata: { labels }, spec: podSpec },
    },
  };
}
