import * as tf from '@tensorflow/tfjs';

/**
 * The little linear algebra the multivariate normal needs, as differentiable tensor ops over any
 * leading batch dims (tfjs has no triangular solve, no Cholesky and no matrixDiagPart). Loops run over
 * the matrix size d, not over batch elements, so the cost is O(d) ops of size O(batch * d) (solve)
 * or O(batch * d^2) (Cholesky): meant for d up to a few dozen.
 *
 * tfjs's wasm backend mishandles negative axes in some kernels (cumsum), so axes here are positive.
 */

/**
 * The slices of `x` along `axis`, like tf.unstack. tf.unstack's gradient (stack of the pieces'
 * gradients) throws when a piece receives no gradient; slices have a sound gradient.
 */
export function unstackDifferentiable(x: tf.Tensor, axis: number): tf.Tensor[] {
  const n = x.shape[axis]!;
  const size = x.shape.map((d, i) => (i === axis ? 1 : d));
  return Array.from({ length: n }, (_, i) => {
    const begin = x.shape.map((_d, j) => (j === axis ? i : 0));
    return tf.squeeze(tf.slice(x, begin, size), [axis]);
  });
}

/** The lower triangle of `m` ([..., d, d]), by a constant mask (tf.linalg.bandPart has the unstack gradient bug). */
export function lowerTriangle(m: tf.Tensor): tf.Tensor {
  const d = m.shape[m.rank - 1]!;
  const mask = tf.tidy(() =>
    tf.cast(tf.greaterEqual(tf.expandDims(tf.range(0, d), 1), tf.expandDims(tf.range(0, d), 0)), 'float32'),
  );
  return tf.mul(m, mask);
}

/** The diagonal of `m` ([..., d, d]) as a [..., d] tensor. */
export function diagPart(m: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = m.shape[m.rank - 1]!;
    return tf.sum(tf.mul(m, tf.eye(d)), m.rank - 1);
  });
}

/** The matrix with `v` ([..., d]) on its diagonal: [..., d, d]. */
export function diagMatrix(v: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = v.shape[v.rank - 1]!;
    return tf.mul(tf.expandDims(v, v.rank), tf.eye(d));
  });
}

/** L x for L [..., d, d] and x [..., d] (batch dims broadcast). */
export function matVec(l: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const product = tf.mul(l, tf.expandDims(x, x.rank - 1));
    return tf.sum(product, product.rank - 1);
  });
}

/**
 * Solve L z = b for lower-triangular L [..., d, d] and b [..., d] by forward substitution; batch dims
 * broadcast. Entries above the diagonal of L are ignored.
 *
 * @example
 * solveLowerTriangular(tf.tensor([[2, 0], [1, 1]]), tf.tensor([2, 3])); // [1, 2]
 */
export function solveLowerTriangular(l: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = l.shape[l.rank - 1]!;
    const columns = unstackDifferentiable(l, l.rank - 1); // columns[i][..., j] = L[..., j, i]
    const parts: tf.Tensor[] = [];
    // Column-oriented: once z_i is known, remove its contribution from every later row at once.
    let residual = b;
    for (let i = 0; i < d; i++) {
      const column = columns[i]!;
      const ri = tf.slice(residual, lastDimSlice(residual.rank, i), lastDimSize(residual.shape, 1));
      const lii = tf.slice(column, lastDimSlice(column.rank, i), lastDimSize(column.shape, 1));
      const zi = tf.div(ri, lii);
      parts.push(zi);
      if (i < d - 1) residual = tf.sub(residual, tf.mul(zi, column));
    }
    const z = tf.concat(parts, parts[0]!.rank - 1);
    return z;
  });
}

/**
 * The lower Cholesky factor L of a symmetric positive-definite A ([..., d, d]), A = L L^T, by the
 * column-wise (Cholesky-Crout) recurrence. Differentiable; a matrix that is not positive definite
 * gives NaN (the square root of a negative pivot).
 *
 * @example
 * cholesky(tf.tensor([[4, 2], [2, 2]])); // [[2, 0], [1, 1]]
 */
export function cholesky(a: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = a.shape[a.rank - 1]!;
    const columnAxis = a.rank - 1;
    const aColumns = unstackDifferentiable(a, columnAxis); // symmetric: column j = row j
    const lColumns: tf.Tensor[] = [];
    for (let j = 0; j < d; j++) {
      let v = aColumns[j]!;
      if (j > 0) {
        // v_i = A_ij - sum_{k<j} L_ik L_jk
        const c = tf.stack(lColumns, columnAxis); // [..., d, j]
        const begin = Array<number>(c.rank).fill(0);
        begin[c.rank - 2] = j;
        const size = [...c.shape];
        size[c.rank - 2] = 1;
        const rowJ = tf.slice(c, begin, size); // [..., 1, j]
        v = tf.sub(v, tf.sum(tf.mul(c, rowJ), c.rank - 1));
      }
      const pivot = tf.sqrt(tf.slice(v, lastDimSlice(v.rank, j), lastDimSize(v.shape, 1)));
      const below = tf.tensor1d(Array.from({ length: d }, (_, i) => (i >= j ? 1 : 0)));
      lColumns.push(tf.mul(tf.div(v, pivot), below));
    }
    return tf.stack(lColumns, columnAxis);
  });
}

function lastDimSlice(rank: number, start: number): number[] {
  const begin = Array<number>(rank).fill(0);
  begin[rank - 1] = start;
  return begin;
}

function lastDimSize(shape: readonly number[], size: number): number[] {
  return [...shape.slice(0, -1), size];
}
