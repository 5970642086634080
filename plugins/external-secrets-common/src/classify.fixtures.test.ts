import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { classifyExternalSecret } from './classify';

// ../shared lives beside the repository; it is absent outside this workplace.
const examplesDir = path.resolve(
  __dirname,
  '../../../../shared/fixtures/eso/examples/eso',
);
const available = fs.existsSync(examplesDir);
if (!available) {
  // eslint-disable-next-line no-console
  console.warn(`skipped: ESO example fixtures not found at ${examplesDir}`);
}

function loadDocuments(file: string): any[] {
  const text = fs
    .readFileSync(path.join(examplesDir, file), 'utf8')
    .split('\n')
    // mkdocs markers around the snippet are not YAML
    .filter(line => !/^\{%.*%\}$/.test(line.trim()))
    .join('\n');
  return parseAllDocuments(text, { uniqueKeys: false }).map(d => d.toJS());
}

(available ? describe : describe.skip)('real ESO examples', () => {
  it('classifies the documented synced ExternalSecret as synced when recent', () => {
    const [es] = loadDocuments('full-external-secret.yaml');
    expect(es.kind).toBe('ExternalSecret');
    const refreshTime = new Date(es.status.refreshTime);
    const soon = new Date(refreshTime.getTime() + 60_000);
    const result = classifyExternalSecret(es, soon);
    expect(es.status.conditions[0].status).toBe('True');
    expect(result.state).toBe('Synced');
  });

  it('classifies the same object as stale a day later with its 1h interval', () => {
    const [es] = loadDocuments('full-external-secret.yaml');
    const refreshTime = new Date(es.status.refreshTime);
    const later = new Date(refreshTime.getTime() + 24 * 3_600_000);
    expect(classifyExternalSecret(es, later).state).toBe('Stale');
  });
});
