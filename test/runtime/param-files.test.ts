import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { param } from '../../src/dsl/primitives.js';
import { checkSaveTarget, readParams } from '../../src/runtime/param-io.js';
import { clearParamStore, getParamStore } from '../../src/runtime/param-store.js';

/**
 * Params files on every kind of path (issue 17 item 8): the atomic save renames a temp file onto the
 * target, which would replace whatever the target is (as root, `--out /dev/null` replaced the
 * machine's /dev/null). Everything here is made in a temp directory, never in the real /dev.
 */

const dir = mkdtempSync(join(tmpdir(), 'roulette-param-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => clearParamStore());

const path = (name: string): string => join(dir, name);

function someParams(): void {
  param('a', tf.tensor1d([1, 2, 3]));
  param('s', 0.5, { constraint: 'positive' });
}

/** mkfifo / mknod, or the reason they cannot run here. */
function make(command: string, args: readonly string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return undefined;
  } catch (cause) {
    return `${command} failed: ${String((cause as { stderr?: Buffer }).stderr ?? cause).trim()}`;
  }
}

describe('saving params', () => {
  it('writes through a symbolic link: the link stays, its target gets the params (mode kept)', async () => {
    someParams();
    const target = path('real.json');
    writeFileSync(target, 'old');
    chmodSync(target, 0o640);
    const link = path('link.json');
    symlinkSync('real.json', link);
    await getParamStore().save(link);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('real.json');
    expect(JSON.parse(readFileSync(target, 'utf8')).params.a.value).toEqual([1, 2, 3]);
    expect(statSync(target).mode & 0o777).toBe(0o640);
    // A dangling link is a new file at its target, as the shell's `> link` makes it.
    const dangling = path('dangling.json');
    symlinkSync('made-by-save.json', dangling);
    await getParamStore().save(dangling);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(path('made-by-save.json'), 'utf8')).format).toBe('roulette-params');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a directory, a FIFO and a symbolic link to a directory, naming the path and what it is, and leaves them be', async () => {
    someParams();
    const folder = path('folder');
    mkdirSync(folder);
    writeFileSync(join(folder, 'inside.txt'), 'keep');
    await expect(getParamStore().save(folder)).rejects.toThrowError(new RegExp(`cannot save params to ${folder}: it is a directory, not a regular file`));
    expect(readFileSync(join(folder, 'inside.txt'), 'utf8')).toBe('keep');
    const linkToFolder = path('to-folder');
    symlinkSync('folder', linkToFolder);
    await expect(getParamStore().save(linkToFolder)).rejects.toThrowError(/to-folder \(a symbolic link to .*folder\): it is a directory/);
    await expect(checkSaveTarget(folder)).rejects.toThrowError(/it is a directory/);

    const fifo = path('pipe');
    const why = make('mkfifo', [fifo]);
    expect(why, 'mkfifo is part of coreutils').toBeUndefined();
    await expect(getParamStore().save(fifo)).rejects.toThrowError(/pipe: it is a named pipe \(FIFO\), not a regular file/);
    expect(statSync(fifo).isFIFO()).toBe(true);
  });

  it('refuses a device node (made by mknod in the temp directory) and leaves it a device', async (context) => {
    const device = path('null-device');
    const why = make('mknod', [device, 'c', '1', '3']);
    if (why) context.skip(`cannot make a device node here (needs root): ${why}`);
    someParams();
    await expect(getParamStore().save(device)).rejects.toThrowError(/null-device: it is a character device, not a regular file/);
    expect(statSync(device).isCharacterDevice()).toBe(true);
    const link = path('to-device');
    symlinkSync(device, link);
    await expect(getParamStore().save(link)).rejects.toThrowError(/a symbolic link to .*null-device\): it is a character device/);
    expect(statSync(device).isCharacterDevice()).toBe(true);
    await expect(getParamStore().load(device)).rejects.toThrowError(/cannot read params from .*null-device: it is a character device/);
  });
});

describe('loading params', () => {
  it('refuses a FIFO and a directory at once (a read would block) and a file that is not a params file', async () => {
    const fifo = path('read-pipe');
    expect(make('mkfifo', [fifo])).toBeUndefined();
    await expect(getParamStore().load(fifo)).rejects.toThrowError(/read-pipe: it is a named pipe \(FIFO\)/);
    await expect(getParamStore().load(dir)).rejects.toThrowError(/it is a directory/);
    writeFileSync(path('other.json'), JSON.stringify({ weights: [1, 2] }));
    await expect(readParams(path('other.json'))).rejects.toThrowError(/not a roulette params file/);
    writeFileSync(path('broken.json'), '{"format": ');
    await expect(readParams(path('broken.json'))).rejects.toThrowError(/not JSON/);
    await expect(getParamStore().load(path('absent.json'))).rejects.toThrowError(/absent.json: no such file/);
    await expect(getParamStore().save(undefined as never)).rejects.toThrowError(/the path must be a non-empty string, got undefined/);
    await expect(getParamStore().load('')).rejects.toThrowError(/the path must be a non-empty string, got ''/);
  });

  it('reads through a symbolic link, and keeps the extras (meta, optimiser state) that save wrote', async () => {
    someParams();
    await getParamStore().save(path('with-extras.json'), { meta: { guide: 'auto:normal', estimator: 'iwae', steps: 7 }, optimizer: { name: 'adam', iterations: 7, slots: { a: { m: [0, 0, 0], v: [1, 1, 1] } } } });
    symlinkSync('with-extras.json', path('extras-link.json'));
    const snapshot = await readParams(path('extras-link.json'));
    expect(snapshot.meta).toEqual({ guide: 'auto:normal', estimator: 'iwae', steps: 7 });
    expect(snapshot.optimizer?.iterations).toBe(7);
  });

  it('a loaded param that the program makes with another shape is an error naming it and both shapes', async () => {
    param('w', tf.zeros([3]));
    await getParamStore().save(path('w3.json'));
    clearParamStore();
    await getParamStore().load(path('w3.json'));
    expect(() => param('w', tf.zeros([784, 2]))).toThrowError(/param 'w' was loaded with shape \[3\], but the program makes it with shape \[784, 2\]/);
    clearParamStore();
    await getParamStore().load(path('w3.json'));
    expect(Array.from(param('w', tf.ones([3])).dataSync())).toEqual([0, 0, 0]); // the same shape: the loaded values
  });
});
