/**
 * copyOut against trees and tars candidate code wrote (real Docker): the
 * extraction never writes outside hostDir, never creates a device, FIFO,
 * socket, setuid bit or `.git`, and stops at the limits. Trees the engine
 * can archive are made by a command in the sandbox and come out through
 * getArchive; names the engine would never write (`../`, absolute, a file
 * through a link, a hardlink to a host file, a device without CAP_MKNOD, a
 * 5000-byte pax name) are crafted with python3 tarfile in the sandbox, as a
 * remote engine or a job's stage-out could hand them over, and go through
 * the same extractTree. Plus round trips (copyIn then copyOut) for docker
 * and local.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { extract as tarExtract } from 'tar-stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BatonError } from '../../src/errors.js';
import { DockerSandboxProvider, LocalSandboxProvider, type SandboxHandle } from '../../src/sandbox/index.js';
import { bwrapWorks } from '../../src/sandbox/local.js';
import { extractTree } from '../../src/sandbox/tree-extract.js';
import { DEFAULT_TREE_LIMITS, TreeLimitError } from '../../src/sandbox/tree-limits.js';
import type { CopyResult, SandboxStartOptions } from '../../src/sandbox/types.js';
import { tmpDir } from '../helpers/tmp.js';
import { REQUIRED, dockerReady, spec } from '../sandbox/guard.js';

const ready = await dockerReady();
const hasBwrap = await bwrapWorks();
if (!hasBwrap && REQUIRED) throw new Error('BATON_REQUIRE_DOCKER=1 but bubblewrap (bwrap) does not work here');
const docker = new Docker();

function startOptions(over: Partial<SandboxStartOptions> = {}): SandboxStartOptions {
  return {
    spec: spec({ memory: '512m', pids: 256 }),
    role: 'worker',
    mounts: [],
    volumes: ['/out'],
    env: {},
    labels: { experiment: 'copy-out-test', run: 'r1', iteration: 1 },
    workdir: '/out',
    ...over,
  };
}

/** Every path under `dir`, relative, with what it is (links not followed). */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(dir, r));
      if (st.isSymbolicLink()) out[r] = `link ${fs.readlinkSync(path.join(dir, r))}`;
      else if (st.isDirectory()) {
        out[r] = 'dir';
        walk(r);
      } else if (st.isFile()) out[r] = `file ${(st.mode & 0o7777).toString(8)} ${fs.readFileSync(path.join(dir, r), 'utf8')}`;
      else out[r] = `other ${st.mode.toString(8)}`;
    }
  };
  walk('');
  return out;
}

const reasons = (r: CopyResult) => Object.fromEntries(r.skipped.map((s) => [s.path, s.reason]));

describe.skipIf(!ready.ok)('copyOut of a hostile tree (docker)', () => {
  const provider = new DockerSandboxProvider();
  let sb: SandboxHandle;
  let base: string;
  let dest: string;

  beforeAll(async () => {
    sb = await provider.start(startOptions());
  }, 60_000);
  afterAll(async () => {
    await sb?.stop();
  });
  const fresh = () => {
    base = tmpDir('baton-copyout-');
    dest = path.join(base, 'dest');
  };
  afterEach(() => {
    // Nothing may land beside dest, whatever the tree held.
    expect(fs.readdirSync(base).sort()).toEqual(['dest', 'victim'].filter((n) => fs.existsSync(path.join(base, n))));
    if (fs.existsSync(path.join(base, 'victim'))) expect(fs.readFileSync(path.join(base, 'victim'), 'utf8')).toBe('host file\n');
    fs.rmSync(base, { recursive: true, force: true });
  });

  async function run(cmd: string): Promise<void> {
    const r = await sb.exec(cmd, { timeoutMs: 120_000 });
    expect(r.exitCode, r.stderr).toBe(0);
  }

  /** A tar python3 tarfile wrote in the sandbox (the script gets `t`, an open TarFile, and `add(info, data)`), fed to extractTree. */
  async function crafted(script: string, limits = DEFAULT_TREE_LIMITS): Promise<CopyResult> {
    const py = [
      'import tarfile, io',
      "t = tarfile.open('/out/evil.tar', 'w', format=tarfile.PAX_FORMAT)",
      'def add(info, data=b""):',
      '    info.size = len(data) if info.type in (tarfile.REGTYPE, tarfile.AREGTYPE) else 0',
      '    t.addfile(info, io.BytesIO(data) if info.size else None)',
      'def ti(name, type=tarfile.REGTYPE, mode=0o644, linkname=""):',
      '    i = tarfile.TarInfo(name); i.type = type; i.mode = mode; i.linkname = linkname; return i',
      script,
      't.close()',
    ].join('\n');
    await run(`rm -f /out/evil.tar && python3 - <<'PY'\n${py}\nPY`);
    // getArchive wraps the file in a tar of its own; the inner one is the hostile tar.
    const outer = (await docker.getContainer(sb.id).getArchive({ path: '/out/evil.tar' })) as unknown as Readable;
    const inner = await new Promise<Buffer>((resolve, reject) => {
      const ex = tarExtract();
      const parts: Buffer[] = [];
      ex.on('entry', (_h, stream, next) => {
        stream.on('data', (c: unknown) => parts.push(c as Buffer));
        stream.on('end', next);
      });
      ex.on('finish', () => resolve(Buffer.concat(parts)));
      ex.on('error', reject);
      outer.pipe(ex);
    });
    return extractTree(Readable.from([inner]), dest, { limits });
  }

  it('skips ../ and absolute names', async () => {
    fresh();
    const r = await crafted(
      [
        `add(ti('../escape'), b'x')`,
        `add(ti('ok/../../escape2'), b'x')`,
        `add(ti('${base}/abs'), b'x')`,
        `add(ti('/etc/baton-pwned'), b'x')`,
        `add(ti('fine'), b'ok')`,
      ].join('\n'),
    );
    expect(reasons(r)).toEqual({ '../escape': 'dot-dot', 'ok/../../escape2': 'dot-dot', [`${base}/abs`]: 'absolute', '/etc/baton-pwned': 'absolute' });
    expect(listing(dest)).toEqual({ fine: 'file 644 ok' });
    expect(fs.existsSync('/etc/baton-pwned')).toBe(false);
    expect(fs.existsSync(path.join(path.dirname(base), 'escape'))).toBe(false);
  });

  it('never writes through a link: a link to /etc, then a file through it; a chain of in-tree links that climbs out', async () => {
    fresh();
    const r = await crafted(
      [
        `add(ti('etc', tarfile.SYMTYPE, linkname='/etc'))`,
        `add(ti('etc/baton-pwned'), b'x')`,
        `add(ti('d', tarfile.DIRTYPE, 0o755))`,
        `add(ti('d/up', tarfile.SYMTYPE, linkname='..'))`,
        `add(ti('x', tarfile.SYMTYPE, linkname='d/up/..'))`,
        `add(ti('x/escape'), b'x')`,
        `add(ti('up', tarfile.SYMTYPE, linkname='../..'))`,
      ].join('\n'),
    );
    // `x -> d/up/..` reads as inside but resolves outside (d/up -> ..): refused, so no link of dest leads out of it.
    expect(reasons(r)).toEqual({ etc: 'link-outside', x: 'link-outside', up: 'link-outside' });
    expect(fs.existsSync('/etc/baton-pwned')).toBe(false);
    // The links were refused, so `etc` and `x` became real folders of dest.
    expect(listing(dest)).toEqual({ d: 'dir', 'd/up': 'link ..', etc: 'dir', 'etc/baton-pwned': 'file 644 x', x: 'dir', 'x/escape': 'file 644 x' });
  });

  it('never links a host file: hardlinks to /etc/shadow and to a file beside dest are skipped, one to a file of the tree is a copy', async () => {
    fresh();
    fs.writeFileSync(path.join(base, 'victim'), 'host file\n');
    const r = await crafted(
      [
        `add(ti('h1', tarfile.LNKTYPE, linkname='/etc/shadow'))`,
        `add(ti('h2', tarfile.LNKTYPE, linkname='${base}/victim'))`,
        `add(ti('h3', tarfile.LNKTYPE, linkname='../victim'))`,
        `add(ti('a'), b'mine')`,
        `add(ti('h4', tarfile.LNKTYPE, linkname='a'))`,
      ].join('\n'),
    );
    expect(reasons(r)).toEqual({ h1: 'hardlink-outside', h2: 'hardlink-outside', h3: 'hardlink-outside' });
    expect(listing(dest)).toEqual({ a: 'file 644 mine', h4: 'file 644 mine' });
    expect(fs.statSync(path.join(dest, 'h4')).nlink).toBe(1);
    fs.appendFileSync(path.join(dest, 'h4'), '!');
    expect(fs.readFileSync(path.join(base, 'victim'), 'utf8')).toBe('host file\n');
  });

  it('creates no device, FIFO or setuid file (crafted)', async () => {
    fresh();
    const r = await crafted(
      [
        `i = ti('null', tarfile.CHRTYPE); i.devmajor = 1; i.devminor = 3; add(i)`,
        `i = ti('sda', tarfile.BLKTYPE); i.devmajor = 8; i.devminor = 0; add(i)`,
        `add(ti('fifo', tarfile.FIFOTYPE))`,
        `add(ti('suid', mode=0o6755), b'#!/bin/sh\\n')`,
      ].join('\n'),
    );
    expect(reasons(r)).toEqual({ null: 'special', sda: 'special', fifo: 'special' });
    expect(listing(dest)).toEqual({ suid: 'file 755 #!/bin/sh\n' });
    expect(r.modesStripped).toEqual(['suid']);
  });

  it('leaves no folder or file of the tree writable by others on the host: 0777 and 0666 come out 0755 and 0644', async () => {
    fresh();
    await run('rm -rf /out/m && mkdir -p /out/m/open && chmod 0777 /out/m/open && echo x > /out/m/open/f && chmod 0666 /out/m/open/f');
    await sb.copyOut!('/out/m', dest);
    expect(fs.statSync(path.join(dest, 'open')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(dest, 'open', 'f')).mode & 0o777).toBe(0o644);
  });

  it('skips a 5000-byte name (pax) and a 300-byte component', async () => {
    fresh();
    const r = await crafted([`add(ti('/'.join(['d' * 200] * 25)), b'x')`, `add(ti('e' * 300), b'x')`, `add(ti('ok'), b'y')`].join('\n'));
    expect(r.skipped.map((s) => s.reason)).toEqual(['name-too-long', 'name-too-long']);
    expect(listing(dest)).toEqual({ ok: 'file 644 y' });
  });

  it('out of a real sandbox tree: FIFO, setuid file, a deep .git, look-alikes, a link to /etc; an in-tree hardlink is a copy', async () => {
    fresh();
    await run(
      [
        'rm -rf /out/t && mkdir -p /out/t/a/b/c/.git /out/t/.GIT /out/t/git~1 /out/t/src && cd /out/t',
        'echo "[core]" > a/b/c/.git/config && echo hi > a/b/c/file && echo x > .GIT/config && echo y > git~1/config',
        'mkfifo fifo && echo run > suid && chmod 4755 suid && chmod 2755 src',
        'ln -s /etc etc && ln -s src/../src inside && echo shared > src/one && ln src/one src/two',
      ].join(' && '),
    );
    const r = await sb.copyOut!('/out/t', dest);
    const why = reasons(r);
    expect(why).toMatchObject({
      'a/b/c/.git': 'git',
      'a/b/c/.git/config': 'git',
      '.GIT': 'git',
      'git~1': 'git',
      fifo: 'special',
      etc: 'link-outside',
      // a `..` after a name is refused even when it happens to stay inside (the name may be a link)
      inside: 'link-outside',
    });
    const l = listing(dest);
    expect(Object.keys(l).filter((k) => /\.git|git~/i.test(k))).toEqual([]);
    expect(l).toMatchObject({
      'a/b/c/file': 'file 644 hi\n',
      suid: 'file 755 run\n',
      'src/one': 'file 644 shared\n',
      'src/two': 'file 644 shared\n',
    });
    expect(Object.values(l).filter((v) => v.startsWith('other'))).toEqual([]);
    expect(fs.statSync(path.join(dest, 'src')).mode & 0o7000).toBe(0);
    expect(r.modesStripped).toEqual(['suid']);
  }, 60_000);

  it('stops at a 2 GB sparse file (over limits.file) with a TreeLimitError, without reading its body', async () => {
    fresh();
    await run('rm -rf /out/s && mkdir /out/s && echo small > /out/s/a-small && truncate -s 2G /out/s/big');
    const t0 = performance.now();
    const e = await sb.copyOut!('/out/s', dest).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TreeLimitError);
    expect((e as TreeLimitError).context).toMatchObject({ limit: 'fileBytes', found: 2 * 1024 ** 3, path: 'big' });
    expect(fs.existsSync(path.join(dest, 'big'))).toBe(false);
    // Reading 2 GB through the engine takes minutes on this machine; stopping at the header takes a moment.
    expect(performance.now() - t0).toBeLessThan(20_000);
  }, 60_000);

  it('stops at the total-bytes limit with a TreeLimitError', async () => {
    fresh();
    await run('rm -rf /out/s && mkdir /out/s && head -c 3000000 /dev/zero > /out/s/a && head -c 3000000 /dev/zero > /out/s/b');
    const e = await sb.copyOut!('/out/s', dest, { limits: { totalBytes: 5_000_000 } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TreeLimitError);
    expect((e as TreeLimitError).context).toMatchObject({ limit: 'totalBytes', max: 5_000_000 });
  }, 60_000);

  it('stops at the entry limit with a TreeLimitError: 100,000 tiny files', async () => {
    fresh();
    await run(`rm -rf /out/m && mkdir /out/m && python3 -c "
import os
for i in range(100):
    os.mkdir(f'/out/m/{i}')
    for j in range(1000): open(f'/out/m/{i}/{j}', 'w').write('x')
"`);
    try {
      const e = await sb.copyOut!('/out/m', dest, { limits: { maxEntries: 10_000 } }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TreeLimitError);
      expect((e as TreeLimitError).context).toMatchObject({ limit: 'maxEntries', max: 10_000, found: 10_001 });
      // Stopped at the limit: not one entry more was written (the root folder counts as one).
      let n = 0;
      const count = (d: string): void => {
        for (const x of fs.readdirSync(d, { withFileTypes: true })) {
          n++;
          if (x.isDirectory()) count(path.join(d, x.name));
        }
      };
      count(dest);
      expect(n).toBe(9_999);
    } finally {
      // Removing a volume of 100,000 files takes longer than the engine call's bound on this machine.
      await run('rm -rf /out/m');
    }
  }, 240_000);
});

describe('copyOut of a malformed archive', () => {
  it('is a BatonError, not a crash: garbage, and a stream cut inside a file', async () => {
    const base = tmpDir('baton-copyout-');
    try {
      const garbage = await extractTree(Readable.from([Buffer.alloc(1024, 0x41)]), path.join(base, 'a'), { limits: DEFAULT_TREE_LIMITS }).catch(
        (x: unknown) => x,
      );
      expect(garbage).toBeInstanceOf(BatonError);
      expect((garbage as BatonError).code).toBe('BATON_SANDBOX');
      const header = Buffer.alloc(512);
      // A ustar header of a 10,000-byte file, followed by only 100 bytes of it.
      header.write('f', 0);
      header.write('0000644\0', 100);
      header.write('0000000\0', 108);
      header.write('0000000\0', 116);
      header.write(`${(10_000).toString(8).padStart(11, '0')}\0`, 124);
      header.write('00000000000\0', 136);
      header.write('0', 156);
      header.write('ustar\0', 257);
      header.write('00', 263);
      header.fill(' ', 148, 156);
      let sum = 0;
      for (const b of header) sum += b;
      header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
      const cut = await extractTree(Readable.from([header, Buffer.alloc(100)]), path.join(base, 'b'), { limits: DEFAULT_TREE_LIMITS }).catch((x: unknown) => x);
      expect(cut).toBeInstanceOf(BatonError);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});

/** A tree with what a workspace holds: nested folders, an empty one, executable and plain files, links in and out of the tree. */
function sampleTree(): string {
  const src = tmpDir('baton-copyin-');
  fs.mkdirSync(path.join(src, 'src/deep/er'), { recursive: true });
  fs.mkdirSync(path.join(src, 'empty'));
  fs.writeFileSync(path.join(src, 'README.md'), '# hello\n');
  fs.writeFileSync(path.join(src, 'src/run.sh'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  fs.chmodSync(path.join(src, 'src/run.sh'), 0o755);
  fs.writeFileSync(path.join(src, 'src/deep/er/data.bin'), Buffer.from([0, 1, 2, 255]).toString('latin1'));
  fs.writeFileSync(path.join(src, 'private'), 'p');
  fs.chmodSync(path.join(src, 'private'), 0o600);
  fs.symlinkSync('src/run.sh', path.join(src, 'link-in'));
  fs.symlinkSync('../README.md', path.join(src, 'src/up'));
  return src;
}

describe.skipIf(!ready.ok)('copyIn then copyOut (docker)', () => {
  it('gives back the same tree: contents, modes, links as links, owned by the sandbox user inside', async () => {
    const provider = new DockerSandboxProvider();
    const sb = await provider.start(startOptions({ volumes: ['/work'], workdir: '/work' }));
    const src = sampleTree();
    const back = path.join(tmpDir('baton-copyback-'), 'back');
    try {
      const into = await sb.copyIn!(src, '/work');
      expect(into).toMatchObject({ files: 4, links: 2, skipped: [] });
      const r = await sb.exec('stat -c "%u %n" README.md src/run.sh && echo more > new && ./link-in');
      expect(r.stdout, r.stderr).toBe('1000 README.md\n1000 src/run.sh\nrun\n');
      const out = await sb.copyOut!('/work', back);
      expect(out.skipped).toEqual([]);
      expect(listing(back)).toEqual({ ...listing(src), new: 'file 644 more\n' });
    } finally {
      await sb.stop();
    }
    // The anonymous volume went with the container.
    const vols = await docker.listVolumes();
    expect((vols.Volumes ?? []).filter((v) => v.Mountpoint && fs.existsSync(path.join(v.Mountpoint, 'README.md')))).toEqual([]);
  }, 60_000);

  it('copyIn stops with a TreeLimitError at a host file over limits.file and skips a FIFO', async () => {
    const provider = new DockerSandboxProvider();
    const sb = await provider.start(startOptions({ volumes: ['/work'] }));
    const src = sampleTree();
    try {
      fs.mkdirSync(path.join(src, 'p'));
      const fifo = path.join(src, 'p/fifo');
      await import('execa').then(({ execa }) => execa('mkfifo', [fifo]));
      const r = await sb.copyIn!(src, '/work');
      expect(r.skipped).toEqual([{ path: 'p/fifo', reason: 'special', detail: 'not a file, folder or link' }]);
      fs.writeFileSync(path.join(src, 'big'), Buffer.alloc(2000));
      const e = await sb.copyIn!(src, '/work', { limits: { fileBytes: 1000 } }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TreeLimitError);
    } finally {
      await sb.stop();
    }
  }, 60_000);
});

describe.skipIf(!hasBwrap)('copyIn then copyOut (local, bubblewrap)', () => {
  it('gives back the same tree, and copyOut applies the hostile-tree rules', async () => {
    const provider = new LocalSandboxProvider('bwrap');
    const sb = await provider.start(startOptions({ spec: spec({ kind: 'local' }), volumes: ['/work'], workdir: '/work' }));
    const src = sampleTree();
    const back = path.join(tmpDir('baton-copyback-'), 'back');
    try {
      await sb.copyIn!(src, '/work');
      const r = await sb.exec(
        'echo more > new && ./link-in && mkdir -p a/.git && echo x > a/.git/config && ln -s /etc etc && mkfifo f && cp new s && chmod 4755 s',
      );
      expect(r.exitCode, r.stderr).toBe(0);
      const out = await sb.copyOut!('/work', back);
      expect(reasons(out)).toEqual({ 'a/.git': 'git', 'a/.git/config': 'git', etc: 'link-outside', f: 'special' });
      expect(out.modesStripped).toEqual(['s']);
      expect(listing(back)).toEqual({ ...listing(src), new: 'file 644 more\n', a: 'dir', s: 'file 755 more\n' });
    } finally {
      await sb.stop();
    }
  }, 60_000);
});
