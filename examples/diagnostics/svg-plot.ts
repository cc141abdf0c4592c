/**
 * A small log-log line plot as SVG, for the diagnostics scripts (the gallery page uses a plotting
 * library; these files are meant to be viewable as they are).
 */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function panel(title: string, series: readonly Series[], x0: number, y0: number, w: number, h: number, xLabel: string): string {
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y));
  if (pts.length === 0) return `<text x="${x0 + 10}" y="${y0 + 20}">${title}: no positive values</text>`;
  const lx = pts.map(([x]) => Math.log10(x));
  const ly = pts.map(([, y]) => Math.log10(y));
  const [xmin, xmax] = [Math.floor(Math.min(...lx)), Math.ceil(Math.max(...lx))];
  const [ymin, ymax] = [Math.floor(Math.min(...ly)), Math.ceil(Math.max(...ly))];
  const sx = (x: number): number => x0 + 50 + ((Math.log10(x) - xmin) / Math.max(1e-9, xmax - xmin)) * (w - 70);
  const sy = (y: number): number => y0 + h - 40 - ((Math.log10(y) - ymin) / Math.max(1e-9, ymax - ymin)) * (h - 70);
  const out: string[] = [`<text x="${x0 + w / 2}" y="${y0 + 18}" text-anchor="middle" font-weight="bold">${title}</text>`];
  out.push(`<rect x="${x0 + 50}" y="${y0 + 30}" width="${w - 70}" height="${h - 70}" fill="none" stroke="#999"/>`);
  for (let e = ymin; e <= ymax; e++) out.push(`<text x="${x0 + 45}" y="${sy(10 ** e) + 4}" text-anchor="end" font-size="10">1e${e}</text>`);
  for (let e = xmin; e <= xmax; e++) out.push(`<text x="${sx(10 ** e)}" y="${y0 + h - 25}" text-anchor="middle" font-size="10">1e${e}</text>`);
  out.push(`<text x="${x0 + w / 2}" y="${y0 + h - 8}" text-anchor="middle" font-size="11">${xLabel}</text>`);
  series.forEach((s, i) => {
    const good = s.points.filter(([x, y]) => x > 0 && y > 0 && Number.isFinite(y));
    const colour = COLOURS[i % COLOURS.length]!;
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${good.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of good) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${colour}"/>`);
    out.push(`<text x="${x0 + w - 25}" y="${y0 + 45 + 14 * i}" text-anchor="end" font-size="11" fill="${colour}">${s.name}</text>`);
  });
  return out.join('\n');
}

/** Panels laid out two per row. */
export function loglogPanels(panels: readonly { title: string; series: readonly Series[]; xLabel: string }[]): string {
  const w = 420;
  const h = 300;
  const rows = Math.ceil(panels.length / 2);
  const body = panels.map((p, i) => panel(p.title, p.series, (i % 2) * w, Math.floor(i / 2) * h, w, h, p.xLabel)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * w}" height="${rows * h}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${body}\n</svg>\n`;
}
