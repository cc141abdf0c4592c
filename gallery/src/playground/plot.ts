/**
 * The loss plot (Observable Plot): one dot per step and a moving average. Plot draws a fresh SVG per
 * call, so the caller redraws a few times a second, not per step; long runs are thinned to at most
 * MAX_DOTS dots (the moving average still uses every step).
 */
import * as Plot from '@observablehq/plot';

export interface LossPoint {
  readonly step: number;
  readonly loss: number;
}

const MAX_DOTS = 1500;

function thinned(points: readonly LossPoint[]): readonly LossPoint[] {
  if (points.length <= MAX_DOTS) return points;
  const every = Math.ceil(points.length / MAX_DOTS);
  return points.filter((_, i) => i % every === 0 || i === points.length - 1);
}

export function drawLoss(container: HTMLElement, points: readonly LossPoint[], label: string): void {
  const finite = points.filter((p) => Number.isFinite(p.loss));
  const window = Math.max(1, Math.min(50, Math.round(finite.length / 20)));
  const chart = Plot.plot({
    width: Math.max(320, container.clientWidth),
    height: 260,
    marginLeft: 60,
    x: { label: 'step', grid: true },
    y: { label, grid: true, zero: false },
    marks: [
      Plot.dot(thinned(finite), { x: 'step', y: 'loss', r: 1.5, fill: 'steelblue', fillOpacity: 0.5 }),
      Plot.lineY(finite, Plot.windowY({ k: window, anchor: 'end' }, { x: 'step', y: 'loss', stroke: 'darkorange', strokeWidth: 2 })),
    ],
  });
  container.replaceChildren(chart);
}
