// `npm run mutation`: StrykerJS over the modules where a wrong bit is a wrong answer (the RSP codec, the syndrome
// decoder, the stage-2 policy and tables, the EL2 decision and trap frame, the breakpoint set, the register table).
// Slow (tens of minutes), so it runs outside CI; docs/testing.md keeps the scores. Mutants are compiled into the
// code together and switched on one at a time in the test process, so only tests that run the code in-process
// (not through a child el2dbg) can kill them: the spec lists those.
const only = process.env.MUTATE; // e.g. MUTATE=protocol to run one group
const groups = {
  protocol: { mutate: ['protocol/**/*.ts'], spec: ['dist/test/protocol/**/*.test.js'] },
  syndrome: {
    mutate: ['core/syndrome/**/*.ts', 'core/arch/esr.ts'],
    // decode-cache.ts is exercised through the hypervisor (test/core/el2); esr.ts by its own tests in test/core/arch.
    spec: [
      'dist/test/core/syndrome/**/*.test.js',
      'dist/test/core/arch/**/*.test.js',
      'dist/test/core/el2/**/*.test.js',
    ],
  },
  stage2: {
    // policy-module.ts loads files (imports, .ts transpiling; test/core/stage2/policy-module.test.ts and the CLI
    // tests check it): no wrong bit in it is a wrong stage-2 answer. The policy, its rules and tables are scored.
    mutate: ['core/stage2/**/*.ts', '!core/stage2/policy-module.ts'],
    spec: ['dist/test/core/stage2/**/*.test.js'],
  },
  el2: {
    mutate: ['core/el2/decision.ts', 'core/el2/trap-frame.ts', 'core/el2/mmio-value.ts'],
    spec: ['dist/test/core/el2/**/*.test.js'],
  },
  server: {
    mutate: ['server/breakpoint-set.ts', 'server/registers/register-table.ts'],
    spec: [
      'dist/test/server/registers/**/*.test.js',
      // breakpoint-set.ts against a recording machine (Z/z semantics without a child el2dbg).
      'dist/test/server/breakpoint-set.test.js',
      'dist/test/server/execution-fidelity.test.js',
      'dist/test/server/gdb-session.test.js',
    ],
  },
};
const chosen = only ? { [only]: groups[only] } : groups;

export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  buildCommand: 'npx tsc -p tsconfig.json',
  inPlace: true, // the tests need .deps (libunicorn, the shim) and guests/build, which a sandbox copy lacks
  coverageAnalysis: 'perTest',
  mutate: Object.values(chosen).flatMap((g) => g.mutate),
  mochaOptions: { spec: Object.values(chosen).flatMap((g) => g.spec) },
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: 1,
  timeoutMS: 30000,
  thresholds: { high: 95, low: 85, break: null },
};
