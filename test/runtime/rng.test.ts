import { describe, expect, it } from 'vitest';
import { ChunkedRandomSource, Stream } from '../../src/runtime/rng.js';

describe('Stream', () => {
  it('is a pure function of its seed', () => {
    const a = Stream.fromSeed(42);
    const b = Stream.fromSeed(42);
    for (let i = 0; i < 100; i++) expect(a.nextUint32()).toBe(b.nextUint32());
    expect(Stream.fromSeed(42).nextUint32()).not.toBe(Stream.fromSeed(43).nextUint32());
  });

  it('splits into children that do not depend on how far the parent advanced', () => {
    const a = Stream.fromSeed('x');
    const before = a.split(3).uniform();
    a.uniform();
    expect(a.split(3).uniform()).toBe(before);
    expect(a.split(4).uniform()).not.toBe(before);
  });

  it('forks differ from each other', () => {
    const a = Stream.fromSeed(1);
    expect(a.fork().uniform()).not.toBe(a.fork().uniform());
  });

  it('draws uniforms with the right mean and variance (4 s.e.)', () => {
    const s = Stream.fromSeed(9);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const u = s.uniform();
      expect(u > 0 && u < 1).toBe(true);
      sum += u;
      sumSq += u * u;
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / n));
    // var of (U - 1/2)^2 is 1/180
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(4 * Math.sqrt(1 / 180 / n));
  });

  it('draws standard normals (mean, variance and a tail probability within 4 s.e.)', () => {
    const s = Stream.fromSeed(10);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let tail = 0;
    for (let i = 0; i < n; i++) {
      const z = s.normal();
      sum += z;
      sumSq += z * z;
      if (z > 1.959964) tail++;
    }
    expect(Math.abs(sum / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Math.abs(tail / n - 0.025)).toBeLessThan(4 * Math.sqrt((0.025 * 0.975) / n));
  });
});

describe('ChunkedRandomSource', () => {
  it('draws chunk k of a vectorised draw from stream k', () => {
    const base = Stream.fromSeed(3);
    const vec = new ChunkedRandomSource([base.split(0), base.split(1)], base).normal([2, 3]).arraySync() as number[][];
    const one = ChunkedRandomSource.single(base.split(1)).normal([3]).arraySync() as number[];
    expect(vec[1]).toEqual(one);
  });

  it('insists the particle dim comes first', () => {
    const base = Stream.fromSeed(3);
    expect(() => new ChunkedRandomSource([base.split(0), base.split(1)], base).normal([3, 2])).toThrowError(/particle dim/);
  });
});
