import { chart, niceCeiling } from './chart';

describe('chart', () => {
  const days = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);

  it('rounds the scale up to a round number', () => {
    expect([1, 7, 90, 97.2, 540, 1001].map(niceCeiling)).toEqual([1, 8, 100, 100, 600, 1200]);
  });

  it('draws a point per day so far, the allowance line, and the projection with its band to the last day', () => {
    const svg = chart({
      days,
      observed: [3, 5, 6],
      now: 2.5,
      allowance: 10,
      projection: days
        .slice(2)
        .map((date, j) => ({ date, cumulative: 6 + j, low: 6 + Math.floor(j / 2), high: 6 + 2 * j })),
    }).value;
    expect(svg.match(/<circle class="point"/g)).toHaveLength(3);
    expect(svg).toContain('data-date="2026-11-03" data-count="6"');
    expect(svg).toContain('<line class="allowance" data-allowance="10"');
    // The projection starts at now's count and has a vertex for the end of each remaining day.
    const projection = /<polyline class="projection" points="([^"]+)"/.exec(svg)![1].split(' ');
    expect(projection).toHaveLength(1 + 28);
    expect(/<polygon class="band" points="([^"]+)"/.exec(svg)![1].split(' ')).toHaveLength(1 + 2 * 28);
    expect(svg).toContain('projected 33 (19 to 60) by 2026-11-30');
  });

  it('draws no projection when there is none', () => {
    const svg = chart({ days, observed: [1], now: 0.3, allowance: 5, projection: null }).value;
    expect(svg).not.toContain('class="projection"');
    expect(svg).not.toContain('class="band"');
    expect(svg).toContain('data-count="1"');
  });
});
