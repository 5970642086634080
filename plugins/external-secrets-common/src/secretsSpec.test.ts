import { NAME_RULES } from './naming';
import { secretsProblems } from './secretsSpec';

const db = {
  name: 'db',
  properties: [
    { property: 'username', secretKey: 'DB_USER' },
    { property: 'password', secretKey: 'DB_PASSWORD' },
  ],
};

describe('secretsProblems', () => {
  it('accepts a valid list', () => {
    expect(
      secretsProblems('orders', [
        db,
        {
          name: 'stripe.v2',
          properties: [{ property: 'api-key', secretKey: '.key' }],
        },
      ]),
    ).toEqual([]);
  });

  it.each<[string, unknown, Array<[string, unknown]>]>([
    ['no list', undefined, [['secrets', 'give at least one secret']]],
    ['an empty list', [], [['secrets', 'give at least one secret']]],
    [
      'too many secrets',
      Array.from({ length: 101 }, (_, i) => ({ ...db, name: `s${i}` })),
      [['secrets', 'at most 100 secrets']],
    ],
    [
      'a bad secret name',
      [{ ...db, name: 'DB' }],
      [
        [
          'secrets[0].name',
          `"DB" is not ${NAME_RULES.kubernetesObjectName.description}`,
        ],
      ],
    ],
    [
      'an empty secret name',
      [{ ...db, name: '' }],
      [
        [
          'secrets[0].name',
          `must not be empty: ${NAME_RULES.kubernetesObjectName.description}`,
        ],
      ],
    ],
    ['a secret twice', [db, db], [['secrets[1].name', '"db" is listed twice']]],
    [
      'a secret without properties',
      [{ name: 'db', properties: [] }],
      [['secrets[0].properties', 'give at least one property']],
    ],
    [
      'bad property and key',
      [{ name: 'db', properties: [{ property: 'a b', secretKey: '..' }] }],
      [
        [
          'secrets[0].properties[0].property',
          expect.stringMatching(/^"a b" is not a property/),
        ],
        [
          'secrets[0].properties[0].secretKey',
          expect.stringMatching(/^"\.\." is not allowed/),
        ],
      ],
    ],
    [
      'a Secret key twice',
      [
        {
          name: 'db',
          properties: [
            { property: 'a', secretKey: 'K' },
            { property: 'b', secretKey: 'K' },
          ],
        },
      ],
      [
        [
          'secrets[0].properties[1].secretKey',
          expect.stringMatching(/^duplicate secretKey "K"/),
        ],
      ],
    ],
    [
      'a name too long with the service prefix',
      [{ ...db, name: 'x'.repeat(250) }],
      [
        [
          'secrets[0].name',
          expect.stringMatching(
            /^makes the ExternalSecret and Secret name is 257 characters long/,
          ),
        ],
      ],
    ],
  ])('refuses %s', (_, secrets, expected) => {
    const problems = secretsProblems('orders', secrets);
    expect(problems.map(p => [p.field, p.message])).toEqual(expected);
  });

  it('gives each problem the path of its field', () => {
    expect(
      secretsProblems('orders', [
        db,
        { name: 'x', properties: [{ property: 'ok', secretKey: '' }] },
      ]),
    ).toEqual([
      expect.objectContaining({ path: [1, 'properties', 0, 'secretKey'] }),
    ]);
  });

  it('checks the combined name only for a valid service name', () => {
    expect(
      secretsProblems('Bad Name', [{ ...db, name: 'x'.repeat(250) }]),
    ).toEqual([]);
    expect(secretsProblems(undefined, [db])).toEqual([]);
  });
});
