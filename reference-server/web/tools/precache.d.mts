import type { Plugin } from 'vite';

export function buildFiles(dir: string, worker?: string): string[];
export function stampWorker(source: string, dir: string, worker?: string): string;
export function precache(worker?: string): Plugin;
