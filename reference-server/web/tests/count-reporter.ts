// Closing count lines in node:test's form ("# pass N" / "# fail N"), which
// scripts/test.sh reads; a run with no test at all fails.
import type { Reporter, TestModule } from 'vitest/node';

export default class CountReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let pass = 0;
    let fail = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') pass++;
        else if (s === 'failed') fail++;
      }
      if (m.state() === 'failed' && ![...m.children.allTests()].length) fail++;
    }
    process.stdout.write(`# pass ${pass}\n# fail ${fail}\n`);
    if (pass + fail === 0) {
      process.stdout.write('no tests ran\n');
      process.exitCode = 1;
    }
  }
}
