// Chart.js on a canvas, with the numbers also in a hidden table for screen readers.

import { useEffect, useRef, type ReactNode } from 'react';
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJs,
  DoughnutController,
  Legend,
  LinearScale,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';

ChartJs.register(
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  DoughnutController,
  Legend,
  LinearScale,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
);

// People who ask for less motion get charts drawn at once.
if (typeof window !== 'undefined' && window.matchMedia?.('(prefers-reduced-motion: reduce)').matches) {
  ChartJs.defaults.animation = false;
}

interface Props {
  config: ChartConfiguration;
  label: string;
  /** The same data as a table, for assistive technology. */
  table: ReactNode;
  height?: number;
}

export function Chart({ config, label, table, height = 260 }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<ChartJs | null>(null);
  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext?.('2d');
    if (!el || !ctx) return;
    chart.current?.destroy();
    chart.current = new ChartJs(ctx, config);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [config]);
  return (
    <figure className="chart">
      <div className="chart__canvas" style={{ height }}>
        <canvas ref={canvas} role="img" aria-label={label} />
      </div>
      <div className="visually-hidden">{table}</div>
    </figure>
  );
}

/** Colours that read in light and dark themes, one per series. */
export const PALETTE = ['#6366f1', '#10b981', '#f59e0b', '#ef4444', '#06b6d4', '#a855f7', '#84cc16', '#ec4899'];

export function colourFor(name: string, names: string[]): string {
  const i = names.indexOf(name);
  return PALETTE[(i < 0 ? 0 : i) % PALETTE.length]!;
}
