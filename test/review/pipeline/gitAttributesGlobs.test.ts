import type { ReviewedFile } from '../../../shared/review/domain/changedFile';
import { parseGitAttributes, trivialReason } from '../../../shared/review/pipeline/trivialFiles';

const file = (path: string): ReviewedFile => ({
  change: { changeTrackingId: 1, changeFlags: ['edit'], kind: 'edit', path, isFolder: false },
  hunks: [{ oldStart: 1, oldLines: 1, newStart: 1, newLines: 1, removed: ['a'], added: ['b'] }],
  oldLines: ['a'],
  newLines: ['b'],
});

describe('.gitattributes globs the matcher refuses', () => {
  it('skip that rule only: a hostile glob costs no time, the other rules still apply', () => {
    const hostile = `${'*a'.repeat(30)}b`;
    const rules = parseGitAttributes(
      [
        `${hostile} linguist-generated`,
        '*.pb.go linguist-generated',
        'src/@(gen|out)/** linguist-generated',
        '/vendor/** linguist-vendored',
      ].join('\n'),
    );
    expect(rules).toHaveLength(2);

    const started = performance.now();
    expect(trivialReason(file(`/${'a'.repeat(40)}`), rules)).toBeUndefined();
    expect(trivialReason(file('/src/gen/a.ts'), rules)).toBeUndefined();
    expect(trivialReason(file('/api/user.pb.go'), rules)).toBe('generated (.gitattributes)');
    expect(trivialReason(file('/vendor/lib/a.go'), rules)).toBe('vendored (.gitattributes)');
    console.log(`four files against the rules: ${(performance.now() - started).toFixed(2)} ms`);
  });
});
