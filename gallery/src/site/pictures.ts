/** Image models' pictures (test images, reconstructions, prior samples) drawn into canvases. */
import { h } from './dom.js';
import type { ImageGrid, Pictures } from './types.js';

/** Images `from` .. `from + count` of a grid, as bytes. */
function images(grid: ImageGrid, from: number, count: number): Uint8Array {
  const size = grid.width * grid.height;
  return Uint8Array.from(atob(grid.pixels).slice(from * size, (from + count) * size), (c) => c.charCodeAt(0));
}

/** Images of width x height in rows of `columns`, 1 px apart, on a canvas scaled up twice by CSS (pixelated). */
export function gridCanvas(bytes: Uint8Array, width: number, height: number, columns: number, label: string): HTMLCanvasElement {
  const size = width * height;
  const count = bytes.length / size;
  const rows = Math.ceil(count / columns);
  const canvas = h('canvas', { width: String(columns * (width + 1) - 1), height: String(rows * (height + 1) - 1), role: 'img', 'aria-label': label });
  const context = canvas.getContext('2d');
  if (!context) throw new Error('the browser gave no 2d canvas context');
  const image = context.createImageData(canvas.width, canvas.height);
  image.data.fill(255); // white gaps between images
  for (let n = 0; n < count; n++) {
    const [x0, y0] = [(n % columns) * (width + 1), Math.floor(n / columns) * (height + 1)];
    for (let p = 0; p < size; p++) {
      const grey = 255 - bytes[n * size + p]!; // ink dark on white, as digits are printed
      const at = 4 * ((y0 + Math.floor(p / width)) * canvas.width + x0 + (p % width));
      image.data[at] = image.data[at + 1] = image.data[at + 2] = grey;
    }
  }
  context.putImageData(image, 0, 0);
  canvas.style.width = `${canvas.width * 2}px`;
  return canvas;
}

/** Originals above their reconstructions, a row pair per `columns` images, then samples from the prior. */
export function picturesFigure(pictures: Pictures): HTMLElement {
  const { originals, reconstructions, samples } = pictures;
  const columns = Math.min(12, originals.count);
  const pairs = h('div', { class: 'pairs' });
  for (let from = 0; from < originals.count; from += columns) {
    const count = Math.min(columns, originals.count - from);
    pairs.append(
      gridCanvas(images(originals, from, count), originals.width, originals.height, columns, 'test images'),
      gridCanvas(images(reconstructions, from, count), reconstructions.width, reconstructions.height, columns, 'reconstructions'),
    );
  }
  return h(
    'figure',
    { class: 'pictures', 'data-pictures': pictures.estimator },
    h('h3', {}, `trained with ${pictures.estimator}`),
    h('p', {}, "Test images (upper row of each pair) and their reconstructions, the decoder's mean at z drawn from the guide:"),
    pairs,
    h('p', {}, "Samples, the decoder's mean at z drawn from the prior:"),
    gridCanvas(images(samples, 0, samples.count), samples.width, samples.height, columns, 'samples'),
  );
}
