/**
 * Time-series charts drawn by uPlot from the API's `samples` (RabbitMQ's
 * `?lengths_age=&lengths_incr=` / `msg_rates_age=&msg_rates_incr=` answers):
 * depth charts plot the samples, rate charts the change between neighbouring
 * samples per second, as RabbitMQ's own UI does.
 */
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Json } from './api.js';

/** The seconds of history the charts ask for, and the sample spacing (seconds). */
export function chartWindow(refresh: number): { age: number; incr: number } {
  const incr = Math.max(1, Math.round(refresh / 1000));
  return { age: incr * 60, incr };
}

export function windowQuery(refresh: number): string {
  const { age, incr } = chartWindow(refresh);
  return `lengths_age=${age}&lengths_incr=${incr}&msg_rates_age=${age}&msg_rates_incr=${incr}`;
}

export interface SeriesSpec {
  label: string;
  /** The `*_details` object holding `samples`. */
  details: Json;
}

export interface ChartData {
  times: number[];
  series: { label: string; values: (number | null)[] }[];
}

interface Sample {
  sample: number;
  timestamp: number;
}

function samplesOf(details: Json): Sample[] {
  const s = details?.samples;
  return Array.isArray(s) ? [...(s as Sample[])].sort((a, b) => a.timestamp - b.timestamp) : [];
}

/** Depth charts: the sampled values, oldest first. */
export function levels(specs: SeriesSpec[]): ChartData {
  const all = specs.map((s) => samplesOf(s.details));
  const times = (all.find((a) => a.length > 0) ?? []).map((s) => s.timestamp / 1000);
  return {
    times,
    series: specs.map((s, i) => ({ label: s.label, values: times.map((_, j) => all[i]?.[j]?.sample ?? 0) })),
  };
}

/** Rate charts: per second between neighbouring samples of a counter. */
export function rates(specs: SeriesSpec[]): ChartData {
  const all = specs.map((s) => samplesOf(s.details));
  const base = all.find((a) => a.length > 1) ?? [];
  const times = base.slice(1).map((s) => s.timestamp / 1000);
  const series = specs.map((s, i) => {
    const a = all[i] ?? [];
    const values = times.map((_, j) => {
      const prev = a[j];
      const cur = a[j + 1];
      if (!prev || !cur || cur.timestamp <= prev.timestamp) return 0;
      return Math.max(
        0,
        Math.round(((cur.sample - prev.sample) / ((cur.timestamp - prev.timestamp) / 1000)) * 10) / 10,
      );
    });
    return { label: s.label, values };
  });
  return { times, series };
}

const COLORS = ['#2f7ed8', '#e0a100', '#3aa655', '#c9412b', '#8e5ccf', '#14a3a3'];

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function options(data: ChartData, width: number, unit: string): uPlot.Options {
  const axis = cssVar('--fg-muted', '#666');
  const grid = cssVar('--grid', '#ddd');
  return {
    width,
    height: 200,
    series: [
      {},
      ...data.series.map((s, i) => ({
        label: s.label,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        points: { show: false },
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${v}${unit}`),
      })),
    ],
    axes: [
      { stroke: axis, grid: { stroke: grid } },
      { stroke: axis, grid: { stroke: grid }, size: 60 },
    ],
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
}

function aligned(data: ChartData): uPlot.AlignedData {
  return [data.times, ...data.series.map((s) => s.values)] as uPlot.AlignedData;
}

/**
 * One chart. The latest value of each series is also written out as text
 * (`data-latest`), so the numbers can be read without the canvas (and by tests).
 */
export function Chart(props: { title: string; data: ChartData; unit?: string; id: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const unit = props.unit ?? '';
  const shape = props.data.series.map((s) => s.label).join('|');
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    plot.current = new uPlot(options(props.data, Math.max(300, el.clientWidth), unit), aligned(props.data), el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(300, el.clientWidth), height: 200 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, props.title]);
  useEffect(() => {
    plot.current?.setData(aligned(props.data));
  }, [props.data]);
  const latest = props.data.series.map((s) => `${s.label} ${s.values[s.values.length - 1] ?? 0}${unit}`).join(' · ');
  return html`<figure class="chart" id=${props.id}>
    <div ref=${box} class="plot" role="img" aria-label=${`${props.title} chart`}></div>
    <figcaption data-latest=${latest} data-points=${props.data.times.length}>Latest: ${latest}</figcaption>
  </figure>`;
}
