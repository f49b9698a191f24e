// The timeline under the map: events per day as canvas bars, a brush to pick a window of days,
// and a play button that moves the window forward.
import { dateOf } from './data.js';

const HEIGHT = 70;

export function createTimeline(canvas, playButton, { onBrush }) {
  const ctx = canvas.getContext('2d');
  let first = 0;
  let last = 0;
  let counts = new Float64Array(0);
  let brush = null; // [fromDay, toDay] or null
  let drag = null;
  let timer = 0;

  function size() {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 600;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(HEIGHT * ratio);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return width;
  }

  const span = () => Math.max(1, last - first + 1);
  const xOf = (day, width) => ((day - first) / span()) * width;
  const dayAt = (x, width) =>
    Math.min(last, Math.max(first, first + Math.floor((x / width) * span())));

  function draw() {
    const width = size();
    ctx.clearRect(0, 0, width, HEIGHT);
    const bins = Math.max(1, Math.min(span(), Math.floor(width / 2)));
    const binned = new Float64Array(bins);
    for (let d = 0; d < counts.length; d++) {
      binned[Math.min(bins - 1, Math.floor((d / span()) * bins))] += counts[d];
    }
    let max = 1;
    for (const c of binned) max = Math.max(max, c);
    const barWidth = width / bins;
    const top = 14;
    ctx.fillStyle = '#52606d';
    for (let b = 0; b < bins; b++) {
      if (!binned[b]) continue;
      const h = Math.max(1.5, (binned[b] / max) * (HEIGHT - top - 14));
      ctx.fillRect(b * barWidth, HEIGHT - 14 - h, Math.max(1, barWidth - 0.5), h);
    }
    ctx.fillStyle = '#3e4c59';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'bottom';
    if (counts.length) {
      ctx.fillText(dateOf(first), 2, HEIGHT);
      const end = dateOf(last);
      ctx.fillText(end, width - ctx.measureText(end).width - 2, HEIGHT);
    }
    if (brush) {
      const x0 = xOf(brush[0], width);
      const x1 = xOf(brush[1] + 1, width);
      ctx.fillStyle = 'rgba(31, 111, 235, 0.18)';
      ctx.fillRect(x0, 0, x1 - x0, HEIGHT - 12);
      ctx.strokeStyle = '#1f6feb';
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x0, 0.75, x1 - x0, HEIGHT - 13);
      ctx.fillStyle = '#1f6feb';
      ctx.textBaseline = 'top';
      const label = brush[0] === brush[1] ? dateOf(brush[0]) : `${dateOf(brush[0])} – ${dateOf(brush[1])}`;
      ctx.fillText(label, Math.min(Math.max(2, x0), width - ctx.measureText(label).width - 2), 1);
    }
  }

  function commit() {
    draw();
    onBrush(brush);
  }

  canvas.addEventListener('pointerdown', (event) => {
    if (!counts.length) return;
    const width = canvas.clientWidth;
    const day = dayAt(event.offsetX, width);
    canvas.setPointerCapture(event.pointerId);
    const inside = brush && day >= brush[0] && day <= brush[1];
    drag = { start: day, x: event.offsetX, moved: false, move: inside ? [...brush] : null };
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const width = canvas.clientWidth;
    if (Math.abs(event.offsetX - drag.x) < 3 && !drag.moved) return;
    drag.moved = true;
    const day = dayAt(event.offsetX, width);
    if (drag.move) {
      const len = drag.move[1] - drag.move[0];
      const from = Math.min(last - len, Math.max(first, drag.move[0] + day - drag.start));
      brush = [from, from + len];
    } else {
      brush = [Math.min(drag.start, day), Math.max(drag.start, day)];
    }
    draw();
  });
  canvas.addEventListener('pointerup', () => {
    if (!drag) return;
    if (!drag.moved) brush = null; // a click without a drag clears the window
    drag = null;
    commit();
  });

  function stop() {
    clearInterval(timer);
    timer = 0;
    playButton.textContent = '▶ Play';
    playButton.setAttribute('aria-pressed', 'false');
  }

  playButton.addEventListener('click', () => {
    if (timer) return stop();
    if (!counts.length) return;
    if (!brush || brush[1] >= last) {
      const len = Math.max(0, Math.round(span() / 12));
      brush = [first, first + len];
      commit();
    }
    playButton.textContent = '❚❚ Pause';
    playButton.setAttribute('aria-pressed', 'true');
    timer = setInterval(() => {
      const len = brush[1] - brush[0];
      const step = Math.max(1, Math.round((len + 1) / 4));
      const from = Math.min(last - len, brush[0] + step);
      brush = [from, from + len];
      commit();
      if (brush[1] >= last) stop();
    }, 400);
  });

  window.addEventListener('resize', draw);

  return {
    /** The whole time axis: every dated event of the store, so the axis stays put. */
    setDomain(firstDay, lastDay) {
      first = firstDay;
      last = lastDay;
    },
    /** Bars for ``selection`` (indices) over ``days`` (the day column). */
    setCounts(days, selection) {
      counts = new Float64Array(span());
      for (const i of selection) {
        const d = days[i];
        if (d >= first && d <= last) counts[d - first] += 1;
      }
      draw();
    },
    setBrush(window) {
      brush = window;
      draw();
    },
    brush: () => brush,
    domain: () => [first, last],
  };
}
