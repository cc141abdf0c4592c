// npm `install` step: builds roulette's optional native kernels (binding.gyp -> build/Release/roulette_fast.node)
// with node-gyp, then loads the result and checks one product against plain JS. It never fails the
// install: without a compiler, python3 or Node's headers, roulette runs on tfjs's stock kernels, and this
// step says so in one line (the compiler's output goes to build/native-build.log).
//
// ROULETTE_NATIVE=0 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addonPath = join(root, 'build', 'Release', 'roulette_fast.node');
const logPath = join(root, 'build', 'native-build.log');
const stock = "roulette will use tfjs's stock kernels";

function say(line) {
  console.log(`roulette: ${line}`);
}

function nodeGypCommand() {
  // npm hands lifecycle scripts the path of its bundled node-gyp; fall back to one on PATH.
  const bundled = process.env.npm_config_node_gyp;
  if (bundled && existsSync(bundled)) return { command: process.execPath, args: [bundled] };
  return { command: process.platform === 'win32' ? 'node-gyp.cmd' : 'node-gyp', args: [] };
}

function nodedirArgs() {
  // Headers next to this Node (most installs ship them) spare node-gyp a download, which fails offline.
  if (process.env.npm_config_nodedir) return [];
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function lastErrorLine(output) {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.find((l) => /error|not found|ENOENT|No such file/i.test(l) && !/^gyp info/.test(l));
  return (error ?? lines.at(-1) ?? 'no output').slice(0, 200);
}

// One small product through the addon against a plain loop: catches a build that loads but computes wrongly.
function selfCheck() {
  const addon = createRequire(import.meta.url)(addonPath);
  const [m, n, k] = [7, 19, 33];
  const a = Float32Array.from({ length: m * k }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: k * n }, (_, i) => Math.cos(i));
  const out = new Float32Array(m * n);
  addon.matmul(a, b, out, Int32Array.of(m, n, k, 0, 0, 1, 0), Int32Array.of(0), Int32Array.of(0), null, 0, 0, null);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let expected = 0;
      for (let p = 0; p < k; p++) expected += a[i * k + p] * b[p * n + j];
      if (Math.abs(expected - out[i * n + j]) > 1e-4) throw new Error(`self-check: C[${i}][${j}] = ${out[i * n + j]}, expected ${expected}`);
    }
  }
  return addon.kernel();
}

function main() {
  if (process.env.ROULETTE_NATIVE === '0') {
    say(`native kernels skipped (ROULETTE_NATIVE=0); ${stock}`);
    return;
  }
  const { command, args } = nodeGypCommand();
  const started = Date.now();
  const build = spawnSync(command, [...args, 'rebuild', ...nodedirArgs()], {
    cwd: root,
    encoding: 'utf8',
    timeout: 5 * 60 * 1000,
    env: process.env,
  });
  const output = `${build.stdout ?? ''}${build.stderr ?? ''}${build.error ? String(build.error) : ''}`;
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, output);
  if (build.status !== 0 || !existsSync(addonPath)) {
    say(`could not build the native kernels (${lastErrorLine(output)}); ${stock}. Details: ${logPath}`);
    return;
  }
  try {
    const kernel = selfCheck();
    say(`built native kernels in ${((Date.now() - started) / 1000).toFixed(0)} s (GEMM micro-kernel: ${kernel})`);
  } catch (error) {
    rmSync(addonPath, { force: true });
    say(`native kernels built but failed to load or check (${error instanceof Error ? error.message : String(error)}); ${stock}`);
  }
}

try {
  main();
} catch (error) {
  say(`native build step failed (${error instanceof Error ? error.message : String(error)}); ${stock}`);
}
