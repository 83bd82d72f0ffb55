import { credentialKinds, maskCredentials } from '../../../shared/review/safety/secretScan';

const timed = <T>(run: () => T): { result: T; ms: number } => {
  const started = performance.now();
  const result = run();
  return { result, ms: performance.now() - started };
};

/** Lines that made a pattern read on from every position: `password or secret` and `JSON web token`. */
const hostileLines = (length: number) => ({
  'a run of name characters': 'a-'.repeat(length / 2),
  'a run of token starts': 'eyJ-'.repeat(length / 4),
});

describe('scanning a long line', () => {
  // Generous for a loaded 2-core machine; on the 40 KB lines the patterns took 2 to 7 s, on 500 KB minutes.
  it.each([
    [40_000, 500],
    [500_000, 2_000],
  ])('of %d characters takes less than %d ms', (length, bound) => {
    for (const [shape, line] of Object.entries(hostileLines(length))) {
      const scan = timed(() => [credentialKinds(line), maskCredentials(line)] as const);
      console.log(`${shape}, ${length} characters: ${scan.ms.toFixed(1)} ms`);
      expect(scan.result).toEqual([[], line]);
      expect(scan.ms).toBeLessThan(bound);
    }
  });

  it('still finds and masks each secret on it, also one across the edge of the 16 KB a search reads', () => {
    // Each setting starts 16,350 to 16,399 characters after the secret before it ends, past a run of name
    // characters that holds none (which the old pattern read on from each of its positions).
    const secrets = Array.from(
      { length: 50 },
      (_, index) => `Zq${String(index).padStart(3, '0')}xVbNmLkJhGfDsA`,
    );
    const line = secrets
      .map((secret, index) => `${'a-'.repeat(8_200).slice(0, 16_347 + index)} apiKey="${secret}";`)
      .join('');
    const scan = timed(() => [credentialKinds(line), maskCredentials(line)] as const);
    console.log(`${secrets.length} secrets on a ${line.length}-character line: ${scan.ms.toFixed(1)} ms`);
    const [kinds, masked] = scan.result;
    expect(kinds).toEqual(['password or secret']);
    expect(secrets.filter((secret) => masked.includes(secret))).toEqual([]);
    expect(masked.split('apiKey="[masked password or secret]";').length).toBe(secrets.length + 1);
    expect(scan.ms).toBeLessThan(2_000);
  });

  it('masks the value itself, even when the setting’s name holds the same text', () => {
    expect(maskCredentials('abcdefghijklmnop_token=abcdefghijklmnop')).toBe(
      'abcdefghijklmnop_token=[masked password or secret]',
    );
  });
});

describe('a private key', () => {
  const body = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', 'VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1G'];

  it('is masked from its BEGIN line through its END line, and what follows stays', () => {
    const text = [
      'const key = `',
      '-----BEGIN RSA PRIVATE KEY-----',
      ...body,
      '-----END RSA PRIVATE KEY-----`;',
      'export default key;',
    ].join('\n');
    expect(maskCredentials(text)).toBe(
      ['const key = `', '[masked private key]`;', 'export default key;'].join('\n'),
    );
  });

  it('cut off before its END line is masked to the end of the text', () => {
    const text = ['+   12 -----BEGIN OPENSSH PRIVATE KEY-----', ...body.map((line) => `+   13 ${line}`)].join(
      '\n',
    );
    expect(maskCredentials(text)).toBe('+   12 [masked private key]');
  });

  it('in one line with escaped newlines, as in JSON, is masked whole', () => {
    const json = `{"key": "-----BEGIN PRIVATE KEY-----\\n${body.join('\\n')}\\n-----END PRIVATE KEY-----\\n"}`;
    expect(maskCredentials(json)).toBe('{"key": "[masked private key]\\n"}');
    expect(credentialKinds(json)).toEqual(['private key']);
  });
});
