// The event panel: what, when, where, the tolls with their history, the sources and their
// quoted sentences, and why the reports were linked.
import { typeColour } from './data.js';
import { el, safeLink, svg } from './dom.js';

const PRECISION = { 1: 'exact place', 2: 'near the place or its district', 3: 'region only' };

function figureRange(f) {
  if (!f) return 'unknown';
  const best = f.best == null ? '?' : f.best;
  const lo = f.low == null ? '?' : f.low;
  const hi = f.high == null ? '?' : f.high;
  return `${lo} / ${best} / ${hi}`;
}

/** The figures said over time as a small step chart: "3 → 6 → 9". */
function historyChart(kind, history) {
  const points = history.filter((h) => typeof h.value === 'number');
  if (!points.length) return null;
  const width = 260;
  const height = 70;
  const pad = 16;
  const max = Math.max(1, ...points.map((p) => p.value));
  const x = (k) => (points.length === 1 ? width / 2 : pad + (k * (width - 2 * pad)) / (points.length - 1));
  const y = (v) => height - pad - (v / max) * (height - 2 * pad);
  const chart = svg('svg', {
    class: `history-chart history-${kind}`, viewBox: `0 0 ${width} ${height}`, width, height,
    role: 'img', 'aria-label': `${kind} figures over time`,
  });
  chart.appendChild(svg('line', { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, class: 'axis' }));
  const path = points.map((p, k) => `${k ? 'L' : 'M'}${x(k).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  chart.appendChild(svg('path', { d: path, class: 'history-line' }));
  points.forEach((p, k) => {
    const dot = svg('circle', { cx: x(k), cy: y(p.value), r: 3.5, class: 'history-dot' });
    dot.appendChild(svg('title', {}, `${p.value} ${kind}, said ${p.said_at || '?'}: ${p.evidence?.text || ''}`));
    chart.appendChild(dot);
    chart.appendChild(svg('text', { x: x(k), y: y(p.value) - 6, class: 'history-label' }, p.value));
  });
  const first = points[0].said_at || '';
  const last = points[points.length - 1].said_at || '';
  chart.appendChild(svg('text', { x: pad, y: height - 2, class: 'history-time' }, first.replace('T', ' ').slice(0, 16)));
  if (points.length > 1) {
    chart.appendChild(svg('text', { x: width - pad, y: height - 2, class: 'history-time end' }, last.replace('T', ' ').slice(0, 16)));
  }
  return el('figure', 'history', el('figcaption', null, `${kind}: ${points.map((p) => p.value).join(' → ')}`), chart);
}

function tolls(event) {
  const table = el('table', 'tolls');
  table.appendChild(el('tr', null, el('th'), el('th', null, 'low / best / high')));
  table.appendChild(el('tr', null, el('th', null, 'Killed'), el('td', null, figureRange(event.fatalities))));
  table.appendChild(el('tr', null, el('th', null, 'Injured'), el('td', null, figureRange(event.injured))));
  const box = el('section', 'panel-tolls', table);
  if (event.figures_disputed) {
    const warn = el('div', 'disputed', 'Figures disputed');
    const reasons = el('ul', null);
    for (const r of event.dispute_reasons || []) reasons.appendChild(el('li', null, r));
    box.append(warn, reasons);
  }
  for (const [kind, figure] of [['killed', event.fatalities], ['injured', event.injured]]) {
    const chart = historyChart(kind, figure?.history || []);
    if (chart) box.appendChild(chart);
  }
  return box;
}

function sources(event, reports) {
  const box = el('section', 'panel-sources', el('h3', null, 'Sources'));
  const seen = new Set();
  for (const s of event.sources || []) {
    const key = `${s.report_id}|${s.quote}|${s.speaker}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const report = reports.get(s.report_id);
    const who = [s.speaker, s.speaker_role, s.outlet, s.channel].filter(Boolean).join(' · ');
    const item = el('div', 'source', el('div', 'source-who', who || s.report_id));
    if (s.quote) item.appendChild(el('blockquote', null, s.quote));
    if (report) {
      const title = report.title || report.id;
      item.appendChild(el('div', 'source-report',
        safeLink(report.url, title) || el('span', null, title),
        report.published ? ` (${report.published.replace('T', ' ').slice(0, 16)})` : ''));
    }
    box.appendChild(item);
  }
  return box;
}

function links(event) {
  const box = el('section', 'panel-links', el('h3', null, 'Why these reports are one event'));
  const list = el('ul', null);
  for (const link of event.links || []) {
    const head = link.founded
      ? `${link.report_id} founded the event`
      : `${link.report_id} joined ${link.to || ''} at ${link.score ?? '?'} points`;
    list.appendChild(el('li', null, el('div', 'link-head', head),
      el('div', 'link-reasons', (link.reasons || []).join('; '))));
  }
  box.appendChild(list);
  return box;
}

/** The panel's content for one event (as /api/events/{id} returns it). */
export function renderEvent(event) {
  const loc = event.location || {};
  const reports = new Map((event.reports || []).map((r) => [r.id, r]));
  const swatch = el('span', 'legend-dot');
  swatch.style.background = typeColour(event.event_type);
  const date = [event.event_date || 'undated', event.date_end ? `to ${event.date_end}` : '',
    event.date_precision && event.date_precision !== 'day' ? `(${event.date_precision})` : ''].filter(Boolean).join(' ');
  const place = [loc.name, loc.admin2, loc.admin1, loc.country_code].filter(Boolean).join(', ');
  return el('article', 'event',
    el('h2', null, swatch, event.sub_event_type || event.event_type || 'Event'),
    el('div', 'event-type', event.event_type || ''),
    el('dl', null,
      el('dt', null, 'Date'), el('dd', 'event-date', date),
      el('dt', null, 'Place'), el('dd', 'event-place', place || 'unknown',
        loc.geo_precision ? ` — ${PRECISION[loc.geo_precision] || `precision ${loc.geo_precision}`}` : ''),
      el('dt', null, 'Reports'), el('dd', null, String(event.n_reports ?? (event.report_ids || []).length))),
    event.notes ? el('p', 'event-notes', event.notes) : null,
    tolls(event),
    sources(event, reports),
    links(event),
    el('div', 'event-id', event.id));
}
