import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResults } from '../../gallery/scripts/collect.js';

/**
 * gallery/scripts/collect.ts on result folders written here: a meeting-times.json of
 * examples/vae-mnist/meeting-times.ts is read into its typed form (NaN, written by JSON as null, kept
 * as null), and one that lacks fields fails the build naming the file and the fields; the same for
 * per-digit.json (examples/vae-mnist/per-digit.ts, --refined-only ones too) and gradient-variance.json
 * (examples/vae-mnist/gradient-variance.ts).
 */
const out = mkdtempSync(join(tmpdir(), 'roulette-collect-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function folder(name: string, files: Record<string, unknown>): string {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, json] of Object.entries(files)) writeFileSync(join(dir, file), JSON.stringify(json));
  return dir;
}

const histogram = { meetingLe10: 0, meetingLe20: 60, meetingLe40: 20, meetingLe80: 10, meetingLe160: 3, meetingLe320: 1, meetingGt320: 1 };
const report = (kernel: string) => ({
  estimates: 1,
  pairs: 100,
  capped: 5,
  meetingMean: 30.5,
  meetingMeanCappedAtCap: 78.975,
  meetingMax: 400,
  histogram,
  betaFinal: kernel === 'isir' ? 0 : 0.87,
  // JSON.stringify writes the script's NaN as null.
  ess: kernel === 'isir' ? Number.NaN : 2.2,
  isirMoveRate: 0.1,
  secondsPerEstimate: 3.25,
});
const meetingTimes = {
  command: 'npm run example:vae-meeting',
  backend: 'wasm',
  options: { checkpoints: '30,100', k: '0', 'max-iterations': '1000', 'fixed-beta': false },
  checkpoints: [
    { epochs: 30, testLogLikelihood: Number.NaN, kernels: { 'isir-disir': report('isir-disir'), isir: report('isir') } },
    { epochs: 100, testLogLikelihood: -99.5, kernels: { 'isir-disir': report('isir-disir'), isir: report('isir') } },
  ],
};

describe('gallery collect: meeting-times.json', () => {
  it('reads checkpoints and kernels in the file order, NaN as null', () => {
    const found = readResults(folder('ok', { 'meeting-times.json': meetingTimes }));
    expect(found.runs).toEqual([]);
    expect(found.meetingTimes).toHaveLength(1);
    const [m] = found.meetingTimes;
    expect(m).toMatchObject({ file: 'meeting-times.json', command: 'npm run example:vae-meeting', backend: 'wasm', maxIterations: 1000 });
    expect(m!.checkpoints.map((c) => [c.epochs, c.testLogLikelihood, c.kernels.map((k) => k.kernel)])).toEqual([
      [30, null, ['isir-disir', 'isir']],
      [100, -99.5, ['isir-disir', 'isir']],
    ]);
    const [disir, isir] = m!.checkpoints[0]!.kernels;
    expect(disir).toMatchObject({ pairs: 100, capped: 5, meetingMean: 30.5, ess: 2.2, betaFinal: 0.87, histogram });
    expect(isir!.ess).toBeNull();
  });

  it('names the file and every missing field', () => {
    const broken = structuredClone(meetingTimes) as { options: Record<string, unknown>; checkpoints: { kernels: Record<string, Record<string, unknown>> }[] };
    delete broken.options['max-iterations'];
    delete broken.checkpoints[1]!.kernels['isir']!['pairs'];
    delete broken.checkpoints[1]!.kernels['isir']!['secondsPerEstimate'];
    const dir = folder('broken', { 'meeting-times.json': broken });
    expect(() => readResults(dir)).toThrow(
      `${join(dir, 'meeting-times.json')}: meeting times of examples/vae-mnist/meeting-times.ts, but without (or with a mistyped) options['max-iterations'], checkpoints[1].kernels.isir.pairs, checkpoints[1].kernels.isir.secondsPerEstimate`,
    );
  });

  it('still rejects a result file it does not know', () => {
    const dir = folder('unknown', { 'other.json': { checkpoints: [] } });
    expect(() => readResults(dir)).toThrow(/other\.json: not a result file the gallery knows/);
  });
});

describe('gallery collect: per-digit.json', () => {
  const meeting = { meetingMeanCappedAtCap: 90.5, capped: 1, isirMoveRate: 0.04 };
  const perDigit = { command: 'npx tsx examples/vae-mnist/per-digit.ts', digits: [{ row: 12, logLikelihood: -101.5, amortised: meeting, refined: { ...meeting, meetingMeanCappedAtCap: 20.1 } }] };

  it('reads the digits', () => {
    const found = readResults(folder('digits', { 'per-digit.json': perDigit }));
    expect(found.perDigit).toHaveLength(1);
    expect(found.perDigit[0]!.digits[0]).toMatchObject({ row: 12, refined: { meetingMeanCappedAtCap: 20.1 } });
  });

  it('names the file and every missing field', () => {
    const broken = structuredClone(perDigit) as unknown as { digits: Record<string, Record<string, unknown>>[] };
    delete broken.digits[0]!['refined']!['isirMoveRate'];
    const dir = folder('digits-broken', { 'per-digit.json': broken });
    expect(() => readResults(dir)).toThrow(`${join(dir, 'per-digit.json')}: meeting times per digit of examples/vae-mnist/per-digit.ts, but without (or with a mistyped) digits[0].refined.isirMoveRate`);
  });

  it('reads a --refined-only file (no amortised) with meetingMax', () => {
    const refinedOnly = { command: perDigit.command, digits: [{ row: 7, logLikelihood: -88.25, refined: { ...meeting, meetingMax: 412 } }] };
    const found = readResults(folder('digits-refined-only', { 'per-digit.json': refinedOnly }));
    const [digit] = found.perDigit[0]!.digits;
    expect(digit).toEqual({ row: 7, logLikelihood: -88.25, refined: { ...meeting, meetingMax: 412 } });
    expect(digit).not.toHaveProperty('amortised');
  });

  it('names a mistyped meetingMax', () => {
    const broken = { command: perDigit.command, digits: [{ row: 7, logLikelihood: -88.25, refined: { ...meeting, meetingMax: '412' } }] };
    const dir = folder('digits-max-broken', { 'per-digit.json': broken });
    expect(() => readResults(dir)).toThrow(`${join(dir, 'per-digit.json')}: meeting times per digit of examples/vae-mnist/per-digit.ts, but without (or with a mistyped) digits[0].refined.meetingMax`);
  });
});

describe('gallery collect: gradient-variance.json', () => {
  const pairsByMeetingTime = { meetingMax: 1153, capped: 1, meetingLe10: 0, meetingLe20: 2255, meetingLe40: 455, meetingLe80: 164, meetingLe160: 81, meetingLe320: 31, meetingGt320: 13 };
  const row = { replicates: 30, totalVariance: 907830.9, secondsPerEstimate: 0.156, varianceTimesSeconds: 141261.9, squaredBias: 285599.2, squaredBiasNoise: 128827.3, meanSquaredNorm: 1146533.6 };
  const gradientVariance = {
    command: 'npx tsx examples/vae-mnist/gradient-variance.ts',
    backend: 'wasm',
    options: { epochs: '300', replicates: '30', windows: '20:10', out: 'examples/results/vae-mnist' },
    components: 201984,
    referenceSquaredNorm: 849011.6,
    rows: [
      { estimator: 'iwae-10', ...row },
      { estimator: 'c-isir-disir t0 20 window 10', ...row, squaredBias: -10028.3, meetingMean: 25.891, pairsByMeetingTime },
    ],
  };

  it('reads the rows in the file order, meeting times only where the file has them', () => {
    const found = readResults(folder('gradients', { 'gradient-variance.json': gradientVariance }));
    expect(found.runs).toEqual([]);
    expect(found.gradientVariance).toHaveLength(1);
    const [g] = found.gradientVariance;
    expect(g).toMatchObject({ file: 'gradient-variance.json', command: gradientVariance.command, backend: 'wasm', components: 201984, referenceSquaredNorm: 849011.6 });
    expect(g!.rows.map((r) => r.estimator)).toEqual(['iwae-10', 'c-isir-disir t0 20 window 10']);
    expect(g!.rows[0]).toEqual({ estimator: 'iwae-10', ...row });
    expect(g!.rows[1]).toMatchObject({ squaredBias: -10028.3, meetingMean: 25.891, pairsByMeetingTime });
  });

  it('names the file and every missing or mistyped field', () => {
    const broken = structuredClone(gradientVariance) as unknown as { components?: unknown; rows: Record<string, unknown>[] };
    delete broken.components;
    broken.rows[0]!['totalVariance'] = '907830.9';
    delete (broken.rows[1]!['pairsByMeetingTime'] as Record<string, unknown>)['meetingGt320'];
    const dir = folder('gradients-broken', { 'gradient-variance.json': broken });
    expect(() => readResults(dir)).toThrow(
      `${join(dir, 'gradient-variance.json')}: gradient variance of examples/vae-mnist/gradient-variance.ts, but without (or with a mistyped) components, rows[0].totalVariance, rows[1].pairsByMeetingTime.meetingGt320`,
    );
  });

  it('takes only gradient-variance*.json files with rows', () => {
    expect(() => readResults(folder('rows-other', { 'other.json': { rows: [] } }))).toThrow(/other\.json: not a result file the gallery knows/);
    expect(() => readResults(folder('gradients-no-rows', { 'gradient-variance.json': { command: 'x' } }))).toThrow(/gradient-variance\.json: not a result file the gallery knows/);
  });
});
