// Prints the closing line of the test command from Jest's and Playwright's JSON reports:
// "tests: N passed, N failed, N skipped". Exits non-zero when a report is missing or counts
// no test at all, so a run that silently tested nothing does not pass.
const fs = require('node:fs');

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const [jestFile, e2eFile] = process.argv.slice(2);
const totals = { passed: 0, failed: 0, skipped: 0 };
let problems = 0;

const jest = readJson(jestFile);
if (jest) {
  totals.passed += jest.numPassedTests;
  totals.failed += jest.numFailedTests + (jest.numRuntimeErrorTestSuites || 0);
  totals.skipped += jest.numPendingTests + jest.numTodoTests;
  console.log(
    `  jest:       ${jest.numPassedTests} passed, ${jest.numFailedTests} failed, ${jest.numPendingTests} skipped in ${jest.numTotalTestSuites} suites` +
      (jest.numRuntimeErrorTestSuites
        ? `, ${jest.numRuntimeErrorTestSuites} suites failed to run`
        : ''),
  );
} else {
  console.log('  jest:       no report');
  problems += 1;
}

const e2e = readJson(e2eFile);
if (e2e && e2e.stats) {
  const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = e2e.stats;
  totals.passed += expected + flaky;
  totals.failed += unexpected;
  totals.skipped += skipped;
  console.log(
    `  playwright: ${
      expected + flaky
    } passed, ${unexpected} failed, ${skipped} skipped` +
      (flaky ? ` (${flaky} passed on retry)` : ''),
  );
} else {
  console.log('  playwright: no report');
  problems += 1;
}

if (totals.passed + totals.failed === 0) {
  problems += 1;
}
console.log(
  `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`,
);
process.exit(problems > 0 || totals.failed > 0 ? 1 : 0);
