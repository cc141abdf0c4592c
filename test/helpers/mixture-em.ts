/** EM's maximum log-likelihood for a mixture of isotropic 2-D normals with one shared scale (the gallery mixture), in float64, from the given means. */
export function emMaximum(points: readonly (readonly [number, number])[], start: readonly (readonly [number, number])[]): number {
  const k = start.length;
  const n = points.length;
  let pi = new Array<number>(k).fill(1 / k);
  let mu = start.map((m) => [...m]);
  let s2 = 1;
  let logLik = -Infinity;
  for (let it = 0; it < 5000; it++) {
    let total = 0;
    const resp = points.map(([a, b]) => {
      const lp = mu.map(([m0, m1], c) => Math.log(pi[c]!) - ((a - m0!) ** 2 + (b - m1!) ** 2) / (2 * s2) - Math.log(2 * Math.PI * s2));
      const top = Math.max(...lp);
      const z = top + Math.log(lp.reduce((acc, l) => acc + Math.exp(l - top), 0));
      total += z;
      return lp.map((l) => Math.exp(l - z));
    });
    logLik = total;
    const nk = mu.map((_, c) => resp.reduce((acc, r) => acc + r[c]!, 0));
    pi = nk.map((v) => v / n);
    mu = mu.map((_, c) => [0, 1].map((j) => resp.reduce((acc, r, i) => acc + r[c]! * points[i]![j]!, 0) / nk[c]!));
    s2 = resp.reduce((acc, r, i) => acc + mu.reduce((b, m, c) => b + r[c]! * ((points[i]![0] - m[0]!) ** 2 + (points[i]![1] - m[1]!) ** 2), 0), 0) / (2 * n);
  }
  return logLik;
}
