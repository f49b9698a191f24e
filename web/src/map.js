// The map: vector outlines (no tiles), events as canvas circles sized by toll and coloured by
// type, clustered with supercluster when dense.
import L from 'leaflet';
import Supercluster from 'supercluster';
import { typeColour, TYPE_COLOURS } from './data.js';

const MAX_ZOOM = 14;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function radius(killed) {
  return killed > 0 ? Math.min(22, 5 + 2.2 * Math.sqrt(killed)) : 4.5;
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
  let cols = null;
  let index = null;
  let visible = [];
  let selected = '';

  addLegend(map);

  function draw() {
    points.clearLayers();
    visible = [];
    if (!index) return;
    const b = map.getBounds();
    const zoom = Math.round(map.getZoom());
    const box = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()),
      Math.min(180, b.getEast()), Math.min(85, b.getNorth())];
    const singles = [];
    for (const f of index.getClusters(box, zoom)) {
      const [lon, lat] = f.geometry.coordinates;
      const p = f.properties;
      if (!p.cluster) {
        singles.push({ i: p.i, lat, lon });
        continue;
      }
      const marker = L.marker([lat, lon], { icon: clusterIcon(p), keyboard: false });
      marker.on('click', () => {
        map.setView([lat, lon], Math.min(MAX_ZOOM, index.getClusterExpansionZoom(p.cluster_id)));
      });
      points.addLayer(marker);
      visible.push({ cluster: true, count: p.point_count, killed: p.killed, lat, lon });
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
      visible.push({ cluster: false, count: 1, killed: Math.max(0, killed), id: cols.id[i], lat, lon });
    }
  }

  let frame = 0;
  const redraw = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(draw);
  };
  map.on('moveend', () => {
    redraw();
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
    /** Re-index the clusters for a new selection (indices into ``columns``). */
    setSelection(columns, selection) {
      cols = columns;
      const features = new Array(selection.length);
      for (let k = 0; k < selection.length; k++) {
        const i = selection[k];
        features[k] = {
          type: 'Feature',
          properties: { i, killed: Math.max(0, cols.killed[i]) },
          geometry: { type: 'Point', coordinates: [cols.lon[i], cols.lat[i]] },
        };
      }
      index = new Supercluster({
        radius: 48,
        maxZoom: MAX_ZOOM - 1,
        map: (p) => ({ killed: p.killed }),
        reduce: (acc, p) => { acc.killed += p.killed; },
      }).load(features);
      draw();
    },
    setSelected(id) {
      selected = id;
      redraw();
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

function clusterIcon(p) {
  const size = Math.round((p.killed > 0 ? 40 : 28) + 8 * Math.log10(p.point_count));
  const box = el('div', 'cluster');
  box.appendChild(el('span', 'cluster-count', String(p.point_count)));
  if (p.killed > 0) box.appendChild(el('span', 'cluster-killed', `${p.killed} killed`));
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
