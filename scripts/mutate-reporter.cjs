// A jest reporter for scripts/mutate.mjs: with --bail, jest exits right
// after the reporters' onRunComplete and never writes its --json output, so
// the results are written here, to the file named by MUTATE_RESULT_FILE.
const { writeFileSync } = require('node:fs');

module.exports = class MutateReporter {
  onRunComplete(_contexts, results) {
    const suites = results.testResults.map((suite) => ({
      file: suite.testFilePath,
      ran: !suite.testExecError,
      message: suite.failureMessage ?? '',
      failed: suite.testResults.filter((test) => test.status === 'failed').map((test) => test.fullName),
    }));
    const failedSuites = results.numFailedTestSuites + results.numRuntimeErrorTestSuites;
    writeFileSync(
      process.env.MUTATE_RESULT_FILE,
      JSON.stringify({ passed: results.numFailedTests === 0 && failedSuites === 0 && results.numPassedTests > 0, suites }),
    );
  }
};
