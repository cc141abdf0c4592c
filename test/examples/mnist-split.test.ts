import { describe, expect, it } from 'vitest';
import { loadMnist, type MnistSplit } from '../../examples/data/mnist.js';

const rowsOf = (split: MnistSplit): Set<string> => {
  const rows = new Set<string>();
  for (let i = 0; i < split.count; i++) rows.add(split.images.subarray(i * 784, (i + 1) * 784).join(','));
  return rows;
};

describe('loadMnist', () => {
  // 8,000 + 2,000 of the package's 10,000 digits: an equal count per class (800 + 200) made 244 test
  // digits training digits too, as digit 5 has only 863 images.
  it.each([
    [8000, 2000],
    [1000, 100],
    [5000, 5000],
    [1, 1],
  ])('gives exactly %i training and %i test digits, none in both', (train, test) => {
    const split = loadMnist(train, test, 1);
    expect([split.train.count, split.test.count]).toEqual([train, test]);
    const trainRows = rowsOf(split.train);
    const shared = [...rowsOf(split.test)].filter((row) => trainRows.has(row));
    expect(shared).toHaveLength(0);
  });

  it('keeps the classes in proportion', () => {
    const { train } = loadMnist(8000, 2000);
    const perClass = new Array<number>(10).fill(0);
    for (const label of train.labels) perClass[label]!++;
    // The package's class sizes, times 0.8.
    expect(perClass).toEqual([801, 902, 793, 826, 784, 690, 811, 856, 755, 782]);
  });

  it('refuses more digits than the package has', () => {
    expect(() => loadMnist(9000, 2000)).toThrow(/train \+ test <= 10000/);
  });
});
