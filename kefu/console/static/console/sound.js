// A short two-note chime, synthesized with WebAudio: no audio file to ship or to fail loading.
// Browsers start audio only after a user gesture, so the context is created on the first one.

let ctx = null;

function context() {
  if (!ctx) {
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return null;
    ctx = new Ctx();
  }
  if (ctx.state === "suspended") ctx.resume();
  return ctx;
}

for (const type of ["pointerdown", "keydown"]) {
  window.addEventListener(type, () => context(), { once: true, capture: true });
}

export function alertSound() {
  const ac = context();
  if (!ac || ac.state !== "running") return;
  const start = ac.currentTime + 0.01;
  [[880, 0], [1318.5, 0.13]].forEach(([freq, offset]) => {
    const osc = ac.createOscillator();
    const gain = ac.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.18, start + offset + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.22);
    osc.connect(gain).connect(ac.destination);
    osc.start(start + offset);
    osc.stop(start + offset + 0.25);
  });
}
