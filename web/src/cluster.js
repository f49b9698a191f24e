// The clusters, computed off the page's thread: supercluster over the selection's points, in a
// worker (cluster-worker.js) so that re-clustering 100,000 events (most of a second) never
// stalls the map; the page falls back to running the same code itself when it has no worker.
//
// Messages in: {type: "load", gen, lon, lat, killed, hl} (typed arrays, one entry per selected
// event; hl: 0, 1 updated, 2 new) and {type: "query", gen, req, box, zoom}. Out: {type:
// "loaded", gen} once a load is indexed (a load overtaken by a newer one before it started is
// skipped: no answer), and {type: "clusters", gen, req, items} for a query, where gen is the
// index that answered and items are {k, lat, lon} (k: the point's place in the load) or
// {cluster, count, killed, hl, zoom (where it breaks apart), lat, lon}.
import Supercluster from 'supercluster';

export const MAX_ZOOM = 14;

function indexOf({ lon, lat, killed, hl }) {
  const features = new Array(lon.length);
  for (let k = 0; k < lon.length; k++) {
    features[k] = {
      type: 'Feature',
      properties: { k, killed: killed[k], hl: hl[k] },
      geometry: { type: 'Point', coordinates: [lon[k], lat[k]] },
    };
  }
  return new Supercluster({
    radius: 48,
    maxZoom: MAX_ZOOM - 1,
    map: (p) => ({ killed: p.killed, hl: p.hl }),
    reduce: (acc, p) => {
      acc.killed += p.killed;
      acc.hl = Math.max(acc.hl, p.hl);
    },
  }).load(features);
}

/** A message handler: ``post(message)`` sends the answers. */
export function createClusterer(post) {
  let index = null;
  let gen = 0;
  let pending = null;
  let timer = 0;

  function build() {
    timer = 0;
    const load = pending;
    pending = null;
    index = indexOf(load);
    gen = load.gen;
    post({ type: 'loaded', gen });
  }

  return function handle(message) {
    if (message.type === 'load') {
      pending = message; // a later load before this one is built replaces it
      if (!timer) timer = setTimeout(build, 0);
    } else if (message.type === 'query' && index) {
      const items = [];
      for (const f of index.getClusters(message.box, message.zoom)) {
        const [lon, lat] = f.geometry.coordinates;
        const p = f.properties;
        if (p.cluster) {
          items.push({
            cluster: p.cluster_id, count: p.point_count, killed: p.killed, hl: p.hl, lat, lon,
            zoom: Math.min(MAX_ZOOM, index.getClusterExpansionZoom(p.cluster_id)),
          });
        } else {
          items.push({ k: p.k, lat, lon });
        }
      }
      post({ type: 'clusters', gen, req: message.req, items });
    }
  };
}
