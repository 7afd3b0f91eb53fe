import { fixed } from './stats.mjs';

export const say = (text = '') => console.log(text);
export const count = (n) => n.toLocaleString('en-US');
export const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
export const ms = (value) => (!Number.isFinite(value) ? '–' : Math.abs(value) >= 100 ? fixed(value, 0) : Math.abs(value) >= 10 ? fixed(value, 1) : fixed(value, 2));
export const us = (valueMs) => (Number.isFinite(valueMs) ? `${fixed(valueMs * 1000, valueMs >= 0.1 ? 0 : 1)} µs` : '–');
export const bytes = (value) => (value >= 1e6 ? `${fixed(value / 1e6, 1)} MB` : value >= 1e3 ? `${fixed(value / 1e3, 1)} KB` : `${value} B`);
export const times = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '–');

/**
 * A goal's verdict: `met` or `MISSED`, and what the noise says: a figure
 * whose 95 % interval reaches past the goal could be over ("could be
 * over"), one missed with the goal inside its interval is "within noise".
 */
export function verdict(value, goal, [lo, hi] = [NaN, NaN]) {
  const where = Number.isFinite(lo) ? `95% ${lo.toFixed(2)}–${hi.toFixed(2)}×` : '';
  if (!Number.isFinite(value)) return { met: null, result: '–', note: '' };
  if (value <= goal) return { met: true, result: 'met', note: where && hi > goal ? `${where}: could be over` : where };
  const by = `over by ${Math.round((value / goal - 1) * 100)}%`;
  return { met: false, result: 'MISSED', note: [by, where && `${where}${lo <= goal ? ': within noise' : ''}`].filter(Boolean).join('; ') };
}
