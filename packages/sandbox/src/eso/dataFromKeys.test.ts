import { dataFromKeys } from './dataFromKeys';

const map = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v)]));
const keys = (result: Map<string, Buffer>) => [...result.keys()];

describe('dataFromKeys (what ESO does to a dataFrom map)', () => {
  it.each([
    [undefined, 'shop_api_key'],
    ['Default', 'shop_api_key'],
    ['Unicode', 'shop_U002f_api_U002f_key'],
  ])('conversionStrategy %s turns shop/api/key into %s', (strategy, key) => {
    expect(
      keys(
        dataFromKeys(
          {},
          { conversionStrategy: strategy },
          map({ 'shop/api/key': 'v' }),
        ),
      ),
    ).toEqual([key]);
  });

  it('conversionStrategy None keeps the slash, which no Secret key may hold', () => {
    expect(() =>
      dataFromKeys(
        {},
        { conversionStrategy: 'None' },
        map({ 'shop/api/key': 'v' }),
      ),
    ).toThrow(
      "invalid secret keys (TIP: use rewrite or conversionStrategy to change keys): key has invalid character /, only alphanumeric, '-', '.' and '_' are allowed: shop/api/key",
    );
  });

  it('reports two keys that convert to the same name', () => {
    expect(() => dataFromKeys({}, {}, map({ 'a/b': '1', a_b: '2' }))).toThrow(
      'error applying conversion strategy  to keys: secret name collision during conversion: a_b',
    );
  });

  it('applies a regexp rewrite instead of the conversion, with Go template syntax', () => {
    const rewrite = (source: string, target: string) =>
      keys(
        dataFromKeys(
          { rewrite: [{ regexp: { source, target } }] },
          {},
          map({ 'shop/api/key': 'v' }),
        ),
      );
    expect(rewrite('^shop/api/', '')).toEqual(['key']);
    expect(rewrite('^shop/(\\w+)/(\\w+)$', '${2}-$1')).toEqual(['key-api']);
    expect(rewrite('^shop/(?<area>\\w+)/.*', 'x_$area')).toEqual(['x_api']);
    // a rewrite replaces the conversion, so a slash it leaves is an invalid key
    expect(() => rewrite('^shop/', '')).toThrow(
      'key has invalid character /, only alphanumeric',
    );
  });

  it('drops empty keys', () => {
    expect(
      keys(
        dataFromKeys(
          { rewrite: [{ regexp: { source: '.*', target: '' } }] },
          {},
          map({ a: '1' }),
        ),
      ),
    ).toEqual([]);
  });

  // Go's own table: src/encoding/base64/base64_test.go TestDecodeCorrupt (golang/go)
  const decodeBase64 = (input: string) => () =>
    dataFromKeys({}, { decodingStrategy: 'Base64' }, map({ k: input }));

  it.each(['', '\n', 'AAA=\n', 'AAAA\n', 'AA==', 'AAA=', 'AAAA'])(
    'decodingStrategy Base64 accepts %j as Go does',
    input => {
      expect(decodeBase64(input)).not.toThrow();
    },
  );

  it.each([
    ['!!!!', 0],
    ['====', 0],
    ['x===', 1],
    ['=AAA', 0],
    ['A=AA', 1],
    ['AA=A', 2],
    ['AA==A', 4],
    ['AAA=AAAA', 4],
    ['AAAAA', 4],
    ['AAAAAA', 4],
    ['A=', 1],
    ['A==', 1],
    ['AA=', 3],
    ['AAAAAA=', 7],
    ['YWJjZA=====', 8],
    ['A!\n', 1],
    ['A=\n', 1],
  ])(
    'decodingStrategy Base64 refuses %j at byte %d as Go does',
    (input, offset) => {
      expect(decodeBase64(input)).toThrow(
        `error applying decoding strategy Base64 to data: failure decoding key k: illegal base64 data at input byte ${offset}`,
      );
    },
  );

  it('decodes Base64, Base64URL and Auto, which falls back to the raw value', () => {
    const decode = (strategy: string, value: string) =>
      dataFromKeys({}, { decodingStrategy: strategy }, map({ k: value }))
        .get('k')!
        .toString();
    expect(decode('Base64', 'aGk/Pz4+')).toBe('hi??>>');
    expect(decode('Base64URL', 'aGk_Pz4-')).toBe('hi??>>');
    expect(decode('Auto', 'aGk_Pz4-')).toBe('hi??>>');
    expect(decode('Auto', '{"a":1}')).toBe('{"a":1}');
    expect(decode('None', 'aGk=')).toBe('aGk=');
    expect(() => decode('Hex', 'aa')).toThrow(
      'error applying decoding strategy Hex to data: failure decoding key k: decoding strategy Hex is not supported',
    );
  });
});
