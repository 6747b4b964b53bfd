// Renders the scaling benchmark as one SVG through Vega (headless, no canvas):
// a 2 × 2 grid — msg/s and p99 latency against clients and against queues,
// one line per broker, log scales.
import { writeFileSync } from 'node:fs';
import * as vega from 'vega';

const W = 380;
const H = 220;
const GAP_X = 110;
const GAP_Y = 90;

function panel(name, axis, field, title, xTitle, yTitle, col, row) {
  const data = `${name}-data`;
  return {
    type: 'group',
    encode: {
      enter: {
        x: { value: col * (W + GAP_X) },
        y: { value: row * (H + GAP_Y) },
        width: { value: W },
        height: { value: H },
      },
    },
    title: { text: title, fontSize: 13 },
    data: [
      {
        name: data,
        source: 'rows',
        transform: [
          { type: 'filter', expr: `datum.axis === '${axis}' && isValid(datum.${field}) && datum.${field} > 0` },
        ],
      },
    ],
    scales: [
      { name: 'x', type: 'log', domain: { data, field: 'x' }, range: [0, W], nice: true },
      { name: 'y', type: 'log', domain: { data, field }, range: [H, 0], nice: true },
      { name: 'c', type: 'ordinal', domain: ['bundled', 'rabbitmq'], range: ['#d62728', '#1f77b4'] },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: xTitle, format: '~s' },
      { orient: 'left', scale: 'y', title: yTitle, format: '~s' },
    ],
    legends: col === 1 && row === 0 ? [{ stroke: 'c', title: 'broker', orient: 'right' }] : [],
    marks: [
      {
        type: 'group',
        from: { facet: { name: `${name}-series`, data, groupby: 'broker' } },
        marks: [
          {
            type: 'line',
            from: { data: `${name}-series` },
            sort: { field: 'datum.x' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'x' },
                y: { scale: 'y', field },
                stroke: { scale: 'c', field: 'broker' },
                strokeWidth: { value: 2 },
              },
            },
          },
          {
            type: 'symbol',
            from: { data: `${name}-series` },
            encode: {
              enter: {
                x: { scale: 'x', field: 'x' },
                y: { scale: 'y', field },
                fill: { scale: 'c', field: 'broker' },
                size: { value: 40 },
              },
            },
          },
        ],
      },
    ],
  };
}

/** Writes `file` (SVG) from the scaling rows; returns the file name. */
export async function plotScaling(rows, file, subtitle) {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    width: 2 * W + GAP_X,
    height: 2 * H + GAP_Y,
    padding: { left: 30, top: 30, bottom: 30, right: 130 },
    title: { text: 'qpid-messaging bundled broker vs RabbitMQ 3.10: cost as the work grows', subtitle },
    data: [{ name: 'rows', values: rows.filter((r) => !r.error) }],
    marks: [
      panel(
        'cm',
        'clients',
        'msgPerS',
        'msg/s vs producers = consumers',
        'producers (= consumers = queues)',
        'msg/s',
        0,
        0,
      ),
      panel('qm', 'queues', 'msgPerS', 'msg/s vs queues (10 producers, 10 consumers)', 'queues', 'msg/s', 1, 0),
      panel(
        'cl',
        'clients',
        'p99Ms',
        'p99 latency vs producers = consumers',
        'producers (= consumers = queues)',
        'p99 ms',
        0,
        1,
      ),
      panel('ql', 'queues', 'p99Ms', 'p99 latency vs queues', 'queues', 'p99 ms', 1, 1),
    ],
  };
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  writeFileSync(file, svg);
  return file;
}
