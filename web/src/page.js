// The page: loads /api/points once (again only when the free text changes or the stream asks),
// follows /api/stream for events new, updated or gone since, filters on the client, and keeps
// the whole view in the URL hash.
import { applyChanges, dateOf, dayOf, select, toColumns, typeColour } from './data.js';
import { el } from './dom.js';
import { createLive } from './live.js';
import { createMap, HIGHLIGHT_RANK } from './map.js';
import { renderEvent } from './panel.js';
import { debounce, readState, serverParams, writeState } from './state.js';
import { createTimeline } from './timeline.js';

const LIST_CAP = 200;
const HIGHLIGHT_MS = 30000; // how long an event the stream brought stays marked
const $ = (id) => document.getElementById(id);

const state = readState(window.location.hash);
let cols = null;
let base = new Uint32Array(0); // filters without the brush window (the timeline's bars)
let selection = new Uint32Array(0); // filters and brush (map, list, downloads)
const saveState = debounce(() => writeState(state), 150);

const hooks = {
  ready: false, loads: 0, lastFilterMs: 0, firstMarkersMs: 0,
  live: false, // the stream is open
  updates: 0, // point and drop messages applied
  batches: 0, // batches of them applied (one re-filter and re-cluster each)
  lastBatchMs: 0, // the last batch, from its messages to the screen (clustered off this thread)
  lastBatchBlockMs: 0, // of which the page's thread was busy (columns and filters)
};
window.khronika = hooks; // read by the page's tests and benchmark

// Events the stream brought lately: id -> { kind: "new" | "updated", until: ms }.
const highlights = new Map();
const highlightOf = (id) => highlights.get(id)?.kind;
hooks.highlighted = () => [...highlights].map(([id, h]) => ({ id, kind: h.kind }));

/** The highlights as ranks by slot, for the map's rings; null when there are none. */
function marks() {
  if (!highlights.size) return null;
  const ranks = new Uint8Array(cols.size);
  for (const [id, h] of highlights) {
    const i = cols.slotOf.get(id);
    if (i !== undefined) ranks[i] = HIGHLIGHT_RANK[h.kind];
  }
  return ranks;
}

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

/** The server-side filters of the points (and so of the stream): the free text. */
function pointParams() {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  return params.toString();
}

let loading = 0;
/** The points again; false when a later load overtook this one. The stream stops meanwhile. */
async function loadPoints() {
  const ticket = ++loading;
  live.close();
  const query = pointParams();
  $('status').textContent = 'Loading events…';
  const payload = await getJson('/api/points' + (query ? `?${query}` : ''));
  if (ticket !== loading) return false;
  hooks.loads += 1;
  cols = toColumns(payload);
  fillMenus();
  return true;
}

/** Follows the changes since the points loaded, with the points' server-side filters. */
function follow() {
  if (cols) live.open(cols.seq, pointParams());
}

/** The points reloaded (the stream said reset) and followed again from their change. */
async function reload() {
  try {
    if (!(await loadPoints())) return;
  } catch (error) {
    fail(error.message);
    setTimeout(reload, 5000);
    return;
  }
  applyFilters();
  if (state.ev) refreshEvent(state.ev);
  follow();
}

const live = createLive({
  onBatch: applyBatch,
  onReset: reload,
  onStatus: (status) => {
    hooks.live = status === 'live';
    const indicator = $('live');
    indicator.dataset.status = status;
    indicator.textContent = {
      live: '● live', connecting: '○ connecting…', reconnecting: '○ reconnecting…', off: '○ not live',
    }[status];
    indicator.title = {
      live: 'New and updated events appear as they are written',
      connecting: 'Connecting to the live stream',
      reconnecting: 'The live stream was lost; trying again',
      off: 'Not following changes (the events are loading)',
    }[status];
  },
});

/** One batch of the stream's messages into the columns, the filters and the screen. */
function applyBatch(rows, gone, changes) {
  if (!cols) return;
  const started = performance.now();
  const applied = applyChanges(cols, rows, gone.keys());
  const now = Date.now();
  for (const [id, kind] of changes) highlights.set(id, { kind, until: now + HIGHLIGHT_MS });
  for (const id of gone.keys()) highlights.delete(id);
  if (applied.vocabulary || outsideDomain(rows)) fillMenus();
  hooks.updates += rows.size + gone.size;
  hooks.batches += 1;
  applyFilters().then(() => { hooks.lastBatchMs = performance.now() - started; });
  hooks.lastBatchBlockMs = performance.now() - started;
  expireLater();
  if (state.ev && rows.has(state.ev)) refreshEvent(state.ev);
  const drop = state.ev ? gone.get(state.ev) : null;
  if (drop) {
    if (drop.to) openEvent(drop.to);
    else closeEvent();
  }
}

/** Whether a row's day lies outside the timeline's axis, which then has to grow. */
function outsideDomain(rows) {
  for (const id of rows.keys()) {
    const d = cols.day[cols.slotOf.get(id)];
    if (d >= 0 && (d < timeline.domain()[0] || d > timeline.domain()[1])) return true;
  }
  return false;
}

let expiry = 0;
/** Highlights end after HIGHLIGHT_MS: one timer, for the first to end. */
function expireLater() {
  clearTimeout(expiry);
  if (!highlights.size) return;
  let next = Infinity;
  for (const h of highlights.values()) next = Math.min(next, h.until);
  expiry = setTimeout(() => {
    const now = Date.now();
    for (const [id, h] of highlights) if (h.until <= now + 50) highlights.delete(id);
    applyFilters();
    expireLater();
  }, Math.max(0, next - Date.now()));
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
  for (let k = 0; k < cols.n; k++) {
    const d = cols.day[cols.order[k]];
    if (d < 0) continue;
    if (d < first) first = d;
    if (d > last) last = d;
  }
  if (first <= last) timeline.setDomain(first, last);
}

function brushWindow() {
  return state.from && state.to ? [dayOf(state.from), dayOf(state.to)] : null;
}

let filtering = 0; // the last filtering asked for
let shown = 0; // the last one on screen
/**
 * Filters the columns. The map clusters the selection off this thread; the list, the timeline,
 * the status and the downloads change with it, once it is drawn, so all of them (and
 * ``hooks.selection()``) always show the same selection. Resolves when it is shown (or
 * overtaken by a later one).
 */
function applyFilters() {
  if (!cols) return Promise.resolve();
  const started = performance.now();
  const ticket = ++filtering;
  const at = cols;
  const nextBase = select(cols, state, null);
  const window = brushWindow();
  const next = window ? select(cols, state, window) : nextBase;
  saveState();
  return view.setSelection(cols, next, marks()).then((drawn) => {
    if (!drawn || ticket < shown || at !== cols) return;
    shown = ticket;
    base = nextBase;
    selection = next;
    timeline.setCounts(cols.day, base);
    renderList();
    updateDownloads();
    hooks.lastFilterMs = performance.now() - started; // until shown, clusters included
    if (!hooks.firstMarkersMs && selection.length) {
      // The canvas paints queued markers on the next frame: that is when they are seen.
      requestAnimationFrame(() => { hooks.firstMarkersMs = hooks.firstMarkersMs || performance.now(); });
    }
  });
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
    const kind = highlightOf(cols.id[i]);
    const badge = kind ? el('span', `live-badge live-badge-${kind}`, kind) : null;
    const item = el('li', 'event-row',
      el('div', 'row-head', dot, el('span', 'row-date', cols.day[i] < 0 ? 'undated' : dateOf(cols.day[i])),
        badge, el('span', 'row-toll', `${killed} killed · ${injured} injured`)),
      el('div', 'row-what', cols.subs[cols.sub[i]] || cols.types[cols.type[i]]),
      el('div', 'row-place', [cols.place[i], cols.admins[cols.admin1[i]]].filter(Boolean).join(', ')));
    item.tabIndex = 0;
    item.dataset.id = cols.id[i];
    if (cols.id[i] === state.ev) item.classList.add('selected');
    if (kind) item.classList.add('live-row', `live-${kind}`);
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

/** The open event fetched again and shown in place (its figures or reports changed). */
async function refreshEvent(id) {
  const panel = $('panel');
  if (panel.hidden) return;
  const ticket = ++opened;
  try {
    const event = await getJson(`/api/events/${encodeURIComponent(id)}`);
    if (ticket !== opened || panel.hidden) return;
    const scroll = panel.scrollTop;
    const when = new Date().toTimeString().slice(0, 8);
    $('panel-body').replaceChildren(el('p', 'panel-live', `Updated live at ${when}`), renderEvent(event));
    panel.scrollTop = scroll;
    if (event.id !== state.ev) {
      state.ev = event.id;
      saveState();
    }
  } catch (error) {
    // gone meanwhile: the stream's drop for it says where to go; keep what is shown
    if (ticket === opened) console.warn(error.message);
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
      if (!(await loadPoints())) return;
      applyFilters();
      follow();
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
  await applyFilters();
  if (!hasView) view.fit(cols, selection);
  if (state.ev) openEvent(state.ev);
  follow();
  await basemap;
  await view.settled();
  hooks.ready = true;
  document.body.dataset.ready = 'true';
}

// The page writes the hash with replaceState (no event); a hash edited or pasted by hand is a
// new view to open.
window.addEventListener('hashchange', () => window.location.reload());
start();
