// Reads jest's --json result for .ci/run and prints "PASSED FAILED" on
// stdout, the reasons for each failure on stderr. Anything that cannot be
// read as a whole jest result is a failure: a file jest was killed while
// writing must not turn into "0 failed". So is a count below the floor kept
// in .ci/test-floor: a .skip, or a file that stops matching the test pattern,
// shrinks the count without failing anything.
//
//   node .ci/jest-result.mjs JEST_JSON FLOOR_FILE JEST_EXIT_STATUS
import { readFileSync } from 'node:fs';

const [file, floorFile, exitStatus] = process.argv.slice(2);
const problems = [];

function result() {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    problems.push('jest left no result (type errors before it ran, or it was killed)');
    return undefined;
  }
  let r;
  try {
    r = JSON.parse(text);
  } catch (error) {
    problems.push(`jest's result cannot be read (${text.length} bytes; killed while writing it?): ${error.message}`);
    return undefined;
  }
  const missing = ['numPassedTests', 'numFailedTests', 'numTotalTests'].filter((field) => typeof r?.[field] !== 'number');
  if (!Array.isArray(r?.testResults)) missing.push('testResults');
  else if (r.testResults.some((suite) => !Array.isArray(suite?.assertionResults))) missing.push('testResults[].assertionResults');
  if (missing.length > 0) {
    problems.push(`jest's result is incomplete: it lacks ${missing.join(', ')}`);
    return undefined;
  }
  return r;
}

function floor() {
  const wanted = {};
  for (const line of readFileSync(floorFile, 'utf8').split('\n')) {
    const match = /^\s*(files|tests)\s+(\d+)\s*$/.exec(line);
    if (match) wanted[match[1]] = Number(match[2]);
  }
  if (wanted.files === undefined || wanted.tests === undefined) throw new Error(`${floorFile} must give "files N" and "tests N"`);
  return wanted;
}

let passed = 0;
let failed = 0;
const r = result();
if (r) {
  passed = r.numPassedTests;
  // A file that failed to run counts as a failure even with no test inside.
  failed = r.numFailedTests + r.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0).length;
  if (Number(exitStatus) !== 0 && failed === 0) problems.push(`jest exited ${exitStatus} and reported no failed test`);
  if (passed === 0) problems.push('jest ran no test');
  const wanted = floor();
  const files = r.testResults.length;
  console.error(`jest: ${files} test files, ${passed} tests passed (the floor in ${floorFile}: ${wanted.files} files, ${wanted.tests} tests)`);
  if (files < wanted.files) problems.push(`only ${files} test files ran; ${floorFile} expects at least ${wanted.files}`);
  if (passed < wanted.tests) problems.push(`only ${passed} tests passed; ${floorFile} expects at least ${wanted.tests}`);
}
for (const problem of problems) console.error(`jest: ${problem}`);
console.log(`${passed} ${failed + problems.length}`);
