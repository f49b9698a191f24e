// The map: vector outlines (no tiles), events as canvas circles sized by toll and coloured by
// type, clustered when dense (supercluster, in a worker: see cluster.js); events the live stream
// just brought get a pulsing ring (around their cluster when they are in one).
import L from 'leaflet';
import { createClusterer, MAX_ZOOM } from './cluster.js';
import { typeColour, TYPE_COLOURS } from './data.js';

/** What a ring says, by rank: a cluster rings "new" when one of its events is, else "updated". */
export const HIGHLIGHT_RANK = { updated: 1, new: 2 };
const HIGHLIGHT_OF = [undefined, 'updated', 'new'];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function radius(killed) {
  return killed > 0 ? Math.min(22, 5 + 2.2 * Math.sqrt(killed)) : 4.5;
}

/**
 * The clusters' worker: this same bundle started as a module worker; when the page cannot
 * start one (or it fails), the same code on the page's thread. ``receive`` gets its answers.
 */
function startClusterer(receive) {
  let local = null;
  let worker = null;
  let lastLoad = null;
  const onLocal = () => {
    worker = null;
    local = createClusterer((message) => queueMicrotask(() => receive(message)));
    if (lastLoad) local(lastLoad);
  };
  try {
    worker = new Worker(new URL(import.meta.url), { type: 'module', name: 'clusters' });
    worker.addEventListener('message', (event) => receive(event.data));
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      worker?.terminate();
      onLocal();
    });
  } catch {
    onLocal();
  }
  return (message) => {
    if (message.type === 'load') lastLoad = message;
    if (worker) worker.postMessage(message);
    else local(message);
  };
}

export function createMap(container, { onPick, onView }) {
  const map = L.map(container, {
    preferCanvas: true,
    minZoom: 2,
    maxZoom: MAX_ZOOM,
    zoomSnap: 0.5,
    attributionControl: false,
  });
  const renderer = L.canvas({ padding: 0.5 });
  const pane = map.createPane('outlines');
  pane.classList.add('outline-pane');
  const outlineRenderer = L.canvas({ padding: 0.5, pane: 'outlines' });
  const points = L.layerGroup().addTo(map);
  let gen = 0; // the last selection sent to be clustered
  const loads = new Map(); // gen -> { gen, cols, selection, marks, resolve }, until drawn
  let active = null; // the selection the worker has indexed and the map shows
  let req = 0; // the last query for the clusters in view
  let answered = 0; // the last query drawn
  const waiting = []; // settled() callers
  let items = [];
  let visible = [];
  let selected = '';

  addLegend(map);

  const post = startClusterer((message) => {
    if (message.type === 'loaded') {
      const load = loads.get(message.gen);
      if (!load) return;
      active = load;
      query();
    } else if (message.type === 'clusters') {
      if (!active || message.gen !== active.gen || message.req !== req) return;
      items = message.items;
      answered = req;
      draw();
      for (const [g, load] of loads) {
        if (g > active.gen) continue;
        loads.delete(g);
        load.resolve(g === active.gen); // an older one was overtaken: never shown
      }
      if (!loads.size) for (const resolve of waiting.splice(0)) resolve();
    }
  });

  function query() {
    if (!active) return;
    const b = map.getBounds();
    const box = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()),
      Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
    req += 1;
    post({ type: 'query', gen: active.gen, req, box, zoom: Math.round(map.getZoom()) });
  }

  function draw() {
    points.clearLayers();
    visible = [];
    if (!active) return;
    const { cols, selection, marks } = active;
    const singles = [];
    for (const item of items) {
      const { lat, lon } = item;
      if (item.k !== undefined) {
        singles.push({ i: selection[item.k], lat, lon });
        continue;
      }
      const marker = L.marker([lat, lon], { icon: clusterIcon(item), keyboard: false });
      marker.on('click', () => map.setView([lat, lon], item.zoom));
      points.addLayer(marker);
      const highlight = HIGHLIGHT_OF[item.hl];
      if (highlight) points.addLayer(pulse(lat, lon, clusterSize(item), highlight));
      visible.push({ cluster: true, count: item.count, killed: item.killed, lat, lon, highlight });
    }
    for (const { i, lat, lon } of spread(map, singles)) {
      const killed = cols.killed[i];
      const isSel = cols.id[i] === selected;
      const marker = L.circleMarker([lat, lon], {
        renderer,
        radius: radius(killed),
        color: isSel ? '#111' : '#fff',
        weight: isSel ? 3 : 1,
        fillColor: typeColour(cols.types[cols.type[i]]),
        fillOpacity: 0.85,
      });
      marker.on('click', () => onPick(cols.id[i]));
      points.addLayer(marker);
      const highlight = marks ? HIGHLIGHT_OF[marks[i]] : undefined;
      if (highlight) points.addLayer(pulse(lat, lon, 2 * radius(killed) + 6, highlight));
      visible.push({
        cluster: false, count: 1, killed: Math.max(0, killed), id: cols.id[i], lat, lon, highlight,
      });
    }
  }

  let frame = 0;
  const redraw = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(draw);
  };
  map.on('moveend', () => {
    query();
    const c = map.getCenter();
    onView(`${c.lat.toFixed(4)},${c.lng.toFixed(4)}`, String(map.getZoom()));
  });

  return {
    map,
    setBasemap(geojson) {
      const style = (f) => (f.properties.layer === 'oblast'
        ? { color: '#9aa5b1', weight: 0.7, fill: false }
        : { color: '#7b8794', weight: 1, fillColor: f.properties.iso_a2 === 'UA' ? '#f4f1e8' : '#e9ecef', fillOpacity: 1 });
      const countries = geojson.features.filter((f) => f.properties.layer !== 'oblast');
      const oblasts = geojson.features.filter((f) => f.properties.layer === 'oblast');
      for (const features of [countries, oblasts]) {
        L.geoJSON({ type: 'FeatureCollection', features }, {
          renderer: outlineRenderer, pane: 'outlines', interactive: false, style,
        }).addTo(map);
      }
    },
    /**
     * Clusters a new selection (slots of ``columns``) off the page's thread; ``marks`` (rank by
     * slot, see HIGHLIGHT_RANK) rings events. Resolves true once the map shows it, false if a
     * later selection was shown first.
     */
    setSelection(columns, selection, marks = null) {
      const n = selection.length;
      const lon = new Float64Array(n);
      const lat = new Float64Array(n);
      const killed = new Int32Array(n);
      const hl = new Uint8Array(n);
      for (let k = 0; k < n; k++) {
        const i = selection[k];
        lon[k] = columns.lon[i];
        lat[k] = columns.lat[i];
        killed[k] = Math.max(0, columns.killed[i]);
        if (marks) hl[k] = marks[i];
      }
      gen += 1;
      return new Promise((resolve) => {
        loads.set(gen, { gen, cols: columns, selection, marks, resolve });
        post({ type: 'load', gen, lon, lat, killed, hl });
      });
    },
    setSelected(id) {
      selected = id;
      redraw();
    },
    /** Resolves once the map shows the clusters for its view and its latest selection. */
    settled() {
      return new Promise((resolve) => {
        requestAnimationFrame(() => {
          if (answered === req && !loads.size) resolve();
          else waiting.push(resolve);
        });
      });
    },
    fit(columns, selection) {
      if (!selection.length) return;
      let s = 90, w = 180, n = -90, e = -180;
      for (const i of selection) {
        s = Math.min(s, columns.lat[i]); n = Math.max(n, columns.lat[i]);
        w = Math.min(w, columns.lon[i]); e = Math.max(e, columns.lon[i]);
      }
      map.fitBounds([[s, w], [n, e]], { padding: [30, 30], maxZoom: 9 });
    },
    /** What is drawn now, with each marker's pixel position (for tests and benchmarks). */
    visible() {
      return visible.map((v) => ({ ...v, ...map.latLngToContainerPoint([v.lat, v.lon]) }));
    },
  };
}

/** Events at one spot (the same town, another day) are set around it in a small ring, so
 * each can be clicked. */
function spread(map, singles) {
  const groups = new Map();
  for (const s of singles) {
    const pt = map.latLngToLayerPoint([s.lat, s.lon]);
    const key = `${Math.round(pt.x / 6)},${Math.round(pt.y / 6)}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push({ ...s, pt });
  }
  const out = [];
  for (const group of groups.values()) {
    if (group.length === 1) {
      out.push(group[0]);
      continue;
    }
    const ring = 10 + 3 * group.length;
    group.forEach((s, k) => {
      const angle = (2 * Math.PI * k) / group.length;
      const at = map.layerPointToLatLng(s.pt.add([ring * Math.cos(angle), ring * Math.sin(angle)]));
      out.push({ ...s, lat: at.lat, lon: at.lng });
    });
  }
  return out;
}

function clusterSize(c) {
  return Math.round((c.killed > 0 ? 40 : 28) + 8 * Math.log10(c.count));
}

/** A ring that pulses around a marker or cluster ``size`` px across; it takes no clicks. */
function pulse(lat, lon, size, kind) {
  const box = el('div', 'live-pulse-box');
  box.append(el('span', 'live-ring'), el('span', 'live-wave'));
  const d = Math.max(18, Math.round(size + 8));
  box.style.width = box.style.height = `${d}px`;
  const icon = L.divIcon({ html: box, className: `live-pulse live-${kind}`, iconSize: [d, d] });
  return L.marker([lat, lon], { icon, interactive: false, keyboard: false, zIndexOffset: 1000 });
}

function clusterIcon(c) {
  const size = clusterSize(c);
  const box = el('div', 'cluster');
  box.appendChild(el('span', 'cluster-count', String(c.count)));
  if (c.killed > 0) box.appendChild(el('span', 'cluster-killed', `${c.killed} killed`));
  box.style.width = box.style.height = `${size}px`;
  return L.divIcon({ html: box, className: 'cluster-icon', iconSize: [size, size] });
}

function addLegend(map) {
  const legend = L.control({ position: 'bottomleft' });
  legend.onAdd = () => {
    const box = el('div', 'legend');
    box.appendChild(el('div', 'legend-title', 'Event type'));
    for (const [type, colour] of Object.entries(TYPE_COLOURS)) {
      const row = el('div', 'legend-row');
      const dot = el('span', 'legend-dot');
      dot.style.background = colour;
      row.append(dot, el('span', null, type));
      box.appendChild(row);
    }
    box.appendChild(el('div', 'legend-note', 'Size: people killed. Clusters: events and killed.'));
    return box;
  };
  legend.addTo(map);
}
