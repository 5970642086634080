import { setupServer } from 'msw/node';
import { HOSTILE_NAMES } from './__testUtils__/hostileNames';
import { vaultActionHarness } from './__testUtils__/vaultActionHarness';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const SECRETS = { envFile: 'A=1' };
// a configured cluster, so a hostile `cluster` is refused for itself, not for a missing list
const CLUSTERS = [
  { name: 'edge', url: 'https://edge.test:6443', serviceAccountToken: 't' },
];
const seedInput = (
  property: string,
  secret: string,
): Record<string, unknown> => ({
  name: 'example-api',
  path: 'example-api/env-file',
  properties: [{ property, secret }],
});

type ActionName = 'policy' | 'role' | 'seed';
const FIELDS: Array<
  [ActionName, string, (value: string) => Record<string, unknown>]
> = [
  ['policy', 'name', v => ({ name: v })],
  ['policy', 'kvMount', v => ({ name: 'example-api', kvMount: v })],
  ['policy', 'pathPrefix', v => ({ name: 'example-api', pathPrefix: v })],
  ['policy', 'policyName', v => ({ name: 'example-api', policyName: v })],
  ['role', 'name', v => ({ name: v })],
  ['role', 'namespace', v => ({ name: 'example-api', namespace: v })],
  ['role', 'roleName', v => ({ name: 'example-api', roleName: v })],
  ['role', 'policies[0]', v => ({ name: 'example-api', policies: [v] })],
  [
    'role',
    'boundServiceAccountNames[0]',
    v => ({ name: 'example-api', boundServiceAccountNames: [v] }),
  ],
  [
    'role',
    'boundServiceAccountNamespaces[0]',
    v => ({ name: 'example-api', boundServiceAccountNamespaces: [v] }),
  ],
  ['role', 'authMount', v => ({ name: 'example-api', authMount: v })],
  ['role', 'cluster', v => ({ name: 'example-api', cluster: v })],
  ['seed', 'name', v => ({ ...seedInput('dotenv', 'envFile'), name: v })],
  ['seed', 'path', v => ({ ...seedInput('dotenv', 'envFile'), path: v })],
  ['seed', 'kvMount', v => ({ ...seedInput('dotenv', 'envFile'), kvMount: v })],
  ['seed', 'properties[0].property', v => seedInput(v, 'envFile')],
  ['seed', 'properties[0].secret', v => seedInput('dotenv', v)],
];

it('has at least 50 hostile values', () => {
  expect(new Set(HOSTILE_NAMES).size).toBeGreaterThanOrEqual(50);
});

describe.each(FIELDS)('%s action, field %s', (action, field, inputFor) => {
  it.each(HOSTILE_NAMES.map(v => [JSON.stringify(v).slice(0, 40), v]))(
    'refuses %s with an InputError and no request',
    async (_shown, value) => {
      const h = vaultActionHarness(server, { clusters: CLUSTERS });
      const error = await h
        .run(h.actions[action], inputFor(value), { secrets: SECRETS })
        .catch(e => e);
      expect(error).toMatchObject({ name: 'InputError' });
      expect(error.message).toContain(field.replace(/\[0\]\.secret$/, ''));
      expect(h.emulator.requests).toHaveLength(0);
    },
  );
});
