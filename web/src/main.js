// The page: loads /api/points once (again only when the free text changes), filters on the
// client, and keeps the whole view in the URL hash.
import { dateOf, dayOf, select, toColumns, typeColour } from './data.js';
import { el } from './dom.js';
import { createMap } from './map.js';
import { renderEvent } from './panel.js';
import { debounce, readState, serverParams, writeState } from './state.js';
import { createTimeline } from './timeline.js';

const LIST_CAP = 200;
const $ = (id) => document.getElementById(id);

const state = readState(window.location.hash);
let cols = null;
let base = new Uint32Array(0); // filters without the brush window (the timeline's bars)
let selection = new Uint32Array(0); // filters and brush (map, list, downloads)
const saveState = debounce(() => writeState(state), 150);

const hooks = { ready: false, loads: 0, lastFilterMs: 0, firstMarkersMs: 0 };
window.khronika = hooks; // read by the page's tests and benchmark

const view = createMap($('map'), {
  onPick: (id) => openEvent(id),
  onView: (c, z) => {
    state.c = c;
    state.z = z;
    saveState();
  },
});
hooks.visible = () => view.visible();
hooks.selection = () => selection.length;
hooks.zoom = () => view.map.getZoom();
hooks.pixel = (lat, lon) => view.map.latLngToContainerPoint([lat, lon]);
const timeline = createTimeline($('timeline'), $('play'), {
  onBrush: (window) => {
    state.from = window ? dateOf(window[0]) : '';
    state.to = window ? dateOf(window[1]) : '';
    applyFilters();
  },
});

function fail(message) {
  $('status').textContent = message;
  $('status').classList.add('error');
}

async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (await response.json()).error.message;
    } catch {
      // not the API's error body: keep the status line
    }
    throw new Error(`${url}: ${message}`);
  }
  return response.json();
}

async function loadPoints() {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  const query = params.toString();
  $('status').textContent = 'Loading events…';
  const payload = await getJson('/api/points' + (query ? `?${query}` : ''));
  hooks.loads += 1;
  cols = toColumns(payload);
  fillMenus();
}

function fillMenus() {
  const typeMenu = $('f-type');
  const keep = state.type;
  typeMenu.replaceChildren(el('option', null, 'All types'));
  typeMenu.firstChild.value = '';
  const byType = new Map();
  for (const [sub, type] of cols.subType) {
    if (!byType.has(type)) byType.set(type, []);
    byType.get(type).push(sub);
  }
  for (const type of [...byType.keys()].sort()) {
    const group = el('optgroup');
    group.label = type || 'untyped';
    const all = el('option', null, `${type} (all)`);
    all.value = type;
    group.appendChild(all);
    for (const sub of byType.get(type).sort()) {
      const option = el('option', null, sub);
      option.value = sub;
      group.appendChild(option);
    }
    typeMenu.appendChild(group);
  }
  typeMenu.value = keep;
  const admMenu = $('f-admin1');
  admMenu.replaceChildren(el('option', null, 'All oblasts'));
  admMenu.firstChild.value = '';
  for (const name of cols.admins.filter(Boolean).sort()) {
    const option = el('option', null, name);
    option.value = name;
    admMenu.appendChild(option);
  }
  admMenu.value = state.admin1;
  let first = Infinity;
  let last = -Infinity;
  for (const d of cols.day) {
    if (d < 0) continue;
    if (d < first) first = d;
    if (d > last) last = d;
  }
  if (first <= last) timeline.setDomain(first, last);
}

function brushWindow() {
  return state.from && state.to ? [dayOf(state.from), dayOf(state.to)] : null;
}

function applyFilters() {
  if (!cols) return;
  const started = performance.now();
  base = select(cols, state, null);
  const window = brushWindow();
  selection = window ? select(cols, state, window) : base;
  timeline.setCounts(cols.day, base);
  view.setSelection(cols, selection);
  renderList();
  updateDownloads();
  hooks.lastFilterMs = performance.now() - started;
  if (!hooks.firstMarkersMs && selection.length) {
    // The canvas paints queued markers on the next frame: that is when they are seen.
    requestAnimationFrame(() => { hooks.firstMarkersMs = hooks.firstMarkersMs || performance.now(); });
  }
  saveState();
}

function renderList() {
  const list = $('list');
  const shown = Math.min(LIST_CAP, selection.length);
  const items = [];
  for (let k = 0; k < shown; k++) {
    const i = selection[k];
    const dot = el('span', 'legend-dot');
    dot.style.background = typeColour(cols.types[cols.type[i]]);
    const killed = cols.killed[i] < 0 ? '?' : cols.killed[i];
    const injured = cols.injured[i] < 0 ? '?' : cols.injured[i];
    const item = el('li', 'event-row',
      el('div', 'row-head', dot, el('span', 'row-date', cols.day[i] < 0 ? 'undated' : dateOf(cols.day[i])),
        el('span', 'row-toll', `${killed} killed · ${injured} injured`)),
      el('div', 'row-what', cols.subs[cols.sub[i]] || cols.types[cols.type[i]]),
      el('div', 'row-place', [cols.place[i], cols.admins[cols.admin1[i]]].filter(Boolean).join(', ')));
    item.tabIndex = 0;
    item.dataset.id = cols.id[i];
    if (cols.id[i] === state.ev) item.classList.add('selected');
    items.push(item);
  }
  if (selection.length > shown) items.push(el('li', 'more', `${selection.length - shown} more`));
  list.replaceChildren(...items);
  const unplaced = cols.unplaced ? ` (${cols.unplaced} without a place not shown)` : '';
  $('status').textContent = `${selection.length} of ${cols.n} events${unplaced}`;
  $('status').classList.remove('error');
}

function updateDownloads() {
  const params = serverParams(state);
  for (const format of ['csv', 'geojson', 'acled']) {
    params.set('format', format);
    $(`dl-${format}`).href = `/api/export?${params.toString()}`;
  }
}

let opened = 0;
async function openEvent(id) {
  state.ev = id;
  saveState();
  view.setSelected(id);
  for (const row of $('list').querySelectorAll('.selected')) row.classList.remove('selected');
  const row = [...$('list').children].find((li) => li.dataset.id === id);
  if (row) row.classList.add('selected');
  const panel = $('panel');
  panel.hidden = false;
  const body = $('panel-body');
  body.replaceChildren(el('p', 'loading', 'Loading…'));
  const ticket = ++opened;
  try {
    const event = await getJson(`/api/events/${encodeURIComponent(id)}`);
    if (ticket !== opened) return;
    body.replaceChildren(renderEvent(event));
    if (event.id !== id) {
      state.ev = event.id; // followed a redirect to the event that now holds these reports
      saveState();
    }
  } catch (error) {
    if (ticket === opened) body.replaceChildren(el('p', 'error', error.message));
  }
}

function closeEvent() {
  state.ev = '';
  $('panel').hidden = true;
  view.setSelected('');
  saveState();
}

function bindFilters() {
  const inputs = { type: 'f-type', admin1: 'f-admin1', since: 'f-since', until: 'f-until', min_killed: 'f-min-killed' };
  const refilter = debounce(applyFilters, 120);
  for (const [key, id] of Object.entries(inputs)) {
    const input = $(id);
    input.value = state[key];
    input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', () => {
      state[key] = input.value.trim();
      refilter();
    });
  }
  const q = $('f-q');
  q.value = state.q;
  q.addEventListener('input', debounce(async () => {
    state.q = q.value.trim();
    try {
      await loadPoints();
      applyFilters();
    } catch (error) {
      fail(error.message);
    }
  }, 350));
  $('reset').addEventListener('click', () => {
    for (const key of [...Object.keys(inputs), 'from', 'to']) state[key] = '';
    for (const id of Object.values(inputs)) $(id).value = '';
    timeline.setBrush(null);
    applyFilters();
  });
  $('panel-close').addEventListener('click', closeEvent);
  $('list').addEventListener('click', (event) => {
    const row = event.target.closest('li.event-row');
    if (row) openEvent(row.dataset.id);
  });
  $('list').addEventListener('keydown', (event) => {
    const row = event.target.closest('li.event-row');
    if (row && event.key === 'Enter') openEvent(row.dataset.id);
  });
}

async function loadBasemap() {
  try {
    view.setBasemap(await getJson('/static/geo/basemap.json'));
  } catch (error) {
    fail(`No outlines: ${error.message}`);
  }
}

async function start() {
  bindFilters();
  const [lat, lon] = state.c.split(',').map(Number);
  const hasView = state.c && Number.isFinite(lat) && Number.isFinite(lon) && state.z;
  view.map.setView(hasView ? [lat, lon] : [48.5, 31.5], hasView ? Number(state.z) : 6);
  const basemap = loadBasemap();
  try {
    await loadPoints();
  } catch (error) {
    fail(error.message);
    return;
  }
  timeline.setBrush(brushWindow());
  applyFilters();
  if (!hasView) view.fit(cols, selection);
  if (state.ev) openEvent(state.ev);
  await basemap;
  hooks.ready = true;
  document.body.dataset.ready = 'true';
}

// The page writes the hash with replaceState (no event); a hash edited or pasted by hand is a
// new view to open.
window.addEventListener('hashchange', () => window.location.reload());
start();
