// A short two-tone chime made with WebAudio (no audio file), and whether it
// is muted (remembered). Browsers allow sound only after a user gesture on
// the page; signing in is one.

import { store } from './state.js';

let ctx = null;

export function muted() {
  return store.get('muted') === '1';
}

export function setMuted(value) {
  store.set('muted', value ? '1' : '0');
  if (!value) unlock();
}

/** Creates (or resumes) the audio context; call from a user gesture. */
export function unlock() {
  try {
    ctx ||= new AudioContext();
    if (ctx.state === 'suspended') ctx.resume();
  } catch { /* no sound on this browser */ }
}

/** Plays the chime unless muted. Counts plays on `document.body.dataset.beeps` (for tests). */
export function beep() {
  if (muted()) return;
  document.body.dataset.beeps = String(Number(document.body.dataset.beeps || 0) + 1);
  try {
    ctx ||= new AudioContext();
    const start = ctx.currentTime + 0.01;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      const t0 = start + i * 0.16;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.3, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.15);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.16);
    }
  } catch { /* no sound on this browser */ }
}
