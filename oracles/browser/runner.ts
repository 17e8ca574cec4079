/**
 * What the browser oracle runs inside its sandbox, as text: the root-only
 * installer of the tests, the Playwright config, the server's launcher and
 * readiness probe, and the screenshot reader. Pure string builders; the
 * reasons for each choice are in oracle.ts's module comment.
 */

/** Who runs the trusted side (installer, Playwright, Chromium, readers): root without capabilities. */
export const RUNNER_USER = '0:0';
/** Where the image keeps @playwright/test (containers/browser/Dockerfile). */
export const PLAYWRIGHT_MODULES = '/usr/local/lib/node_modules';
export const PLAYWRIGHT_CLI = `${PLAYWRIGHT_MODULES}/@playwright/test/cli.js`;
export const CHROMIUM = '/usr/bin/chromium';
/** Headless Debian Chromium, nothing that phones home; /dev/shm is Docker's small one, so Chromium keeps to its private temp folder. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
] as const;

/** The candidate's server: its output and exit code, in files the candidate may write anyway. */
export const SERVE_LOG = '/tmp/baton-serve.log';
export const SERVE_EXIT = '/tmp/baton-serve.exit';

/** Folders of the private root. */
export function runnerPaths(root: string) {
  return {
    root,
    tests: `${root}/tests`,
    results: `${root}/results`,
    report: `${root}/report.json`,
    config: `${root}/playwright.config.mjs`,
    home: `${root}/home`,
    tmp: `${root}/tmp`,
    cache: `${root}/cache`,
  };
}

/**
 * Environment of the runner's execs. TMPDIR and the transform cache matter:
 * Playwright's default cache is /tmp/playwright-transform-cache-0, a name the
 * candidate could create first and fill with code that root would run.
 */
export function runnerEnv(root: string): Record<string, string> {
  const p = runnerPaths(root);
  return {
    BATON_E2E_ROOT: root,
    HOME: p.home,
    TMPDIR: p.tmp,
    XDG_CONFIG_HOME: `${p.home}/.config`,
    XDG_CACHE_HOME: `${p.home}/.cache`,
    PLAYWRIGHT_TRANSFORM_CACHE_DIR: p.cache,
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
    FORCE_COLOR: '0',
  };
}

/**
 * Node script (CommonJS, run with `node -e` as root) that creates the
 * private root (0700; failing if the name exists), writes the test files
 * from the JSON payload on stdin, and stops every upward lookup at the root:
 * its own package.json, tsconfig.json and node_modules (a link to the
 * image's Playwright). It also claims /tmp/node_modules, the one folder on
 * the way up that the candidate could otherwise create, before any
 * candidate code has run (/tmp is sticky, so it stays root's).
 */
export const INSTALL_SCRIPT = `
const fs = require('fs');
const path = require('path');
const root = process.env.BATON_E2E_ROOT;
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const { files, config } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  process.umask(0o077);
  fs.mkdirSync(root, { mode: 0o700 });
  for (const d of ['tests', 'results', 'home', 'tmp', 'cache']) fs.mkdirSync(path.join(root, d));
  const tests = path.join(root, 'tests');
  for (const f of files) {
    const p = path.resolve(tests, f.path);
    if (!p.startsWith(tests + '/')) throw new Error('a test file outside the tests folder: ' + f.path);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, Buffer.from(f.data, 'base64'));
  }
  fs.writeFileSync(path.join(root, 'package.json'), '{}\\n');
  fs.writeFileSync(path.join(root, 'tsconfig.json'), '{}\\n');
  fs.symlinkSync(${JSON.stringify(PLAYWRIGHT_MODULES)}, path.join(root, 'node_modules'));
  fs.writeFileSync(path.join(root, 'playwright.config.mjs'), config);
  fs.mkdirSync('/tmp/node_modules');
  fs.chmodSync('/tmp/node_modules', 0o755);
  const st = fs.statSync(root);
  if (st.uid !== 0 || (st.mode & 0o077) !== 0) throw new Error('the private folder is not root-only');
  process.stdout.write('installed ' + files.length + ' test files\\n');
});
`;

/** The Playwright config the runner uses; the tests folder's own config, if any, is not read. */
export function playwrightConfig(o: { root: string; port: number }): string {
  const p = runnerPaths(o.root);
  const config = {
    testDir: p.tests,
    outputDir: p.results,
    retries: 0,
    workers: 1,
    fullyParallel: false,
    forbidOnly: false,
    maxFailures: 0,
    preserveOutput: 'always',
    reporter: [['json', { outputFile: p.report }], ['line']],
    use: {
      baseURL: `http://127.0.0.1:${o.port}`,
      headless: true,
      screenshot: 'on',
      trace: 'off',
      video: 'off',
      launchOptions: { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] },
    },
    projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  };
  return `// Written by baton's browser oracle.\nexport default ${JSON.stringify(config, null, 2)};\n`;
}

/** Runs the suite (as root, cwd the private root), stopped by Playwright itself after `globalTimeoutMs`. */
export function runCommand(root: string, globalTimeoutMs: number): string {
  const p = runnerPaths(root);
  const ms = Math.max(1000, Math.round(globalTimeoutMs));
  return `node ${PLAYWRIGHT_CLI} test --config ${p.config} --tsconfig ${p.root}/tsconfig.json --global-timeout ${ms}`;
}

/** Starts `$BATON_SERVE` detached (as the sandbox user) and prints its pid. */
export const LAUNCH_COMMAND = `setsid bash -c 'bash -c "$BATON_SERVE"; echo $? > ${SERVE_EXIT}' </dev/null >${SERVE_LOG} 2>&1 & echo $!`;

/** Exit code of the probe when the server's process is gone. */
export const PROBE_SERVER_GONE = 3;

/** Waits until something accepts connections on 127.0.0.1:`port`, or the server's process `pid` is gone. */
export function probeCommand(port: number, pid: number): string {
  return [
    'while :; do',
    `  if (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null; then exit 0; fi`,
    `  kill -0 ${pid} 2>/dev/null || { cat ${SERVE_EXIT} 2>/dev/null; exit ${PROBE_SERVER_GONE}; }`,
    '  sleep 0.1',
    'done',
  ].join('\n');
}

/** Exit code of `readReportCommand` when Playwright wrote no report. */
export const REPORT_MISSING = 3;

export function readReportCommand(root: string): string {
  const report = runnerPaths(root).report;
  return `test -f ${report} || exit ${REPORT_MISSING}; cat ${report}`;
}

/** Node script (as root) printing {path: base64} for the PNGs named on stdin, within a byte budget. */
export const SCREENSHOTS_SCRIPT = `
const fs = require('fs');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const { paths, maxBytes } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const out = {};
  let used = 0;
  for (const p of paths) {
    let buf;
    try { buf = fs.readFileSync(p); } catch { continue; }
    if (used + buf.length > maxBytes) continue;
    used += buf.length;
    out[p] = buf.toString('base64');
  }
  process.stdout.write(JSON.stringify(out));
});
`;
