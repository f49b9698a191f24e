// The live stream: /api/stream's server-sent events (point, drop, reset), gathered into
// batches of ~250 ms so that a burst of changes costs one re-filter and one re-cluster.
//
// The page reconnects by itself rather than leaving it to EventSource, so that a server that
// stays away is tried less and less often (2 s up to 30 s) and the indicator says so: a lost
// stream is closed and opened again after the last change received.

const BATCH_MS = 250;
const RETRY_MS = [2000, 4000, 8000, 15000, 30000];

/**
 * ``onBatch(rows, gone, changes)``: rows (event id -> /api/points row), gone (id -> the drop
 * message's data), changes (id -> "new" | "updated"), each id in one of rows and gone only, as
 * its last message says. ``onReset()``: reload the points (the stream is closed by then).
 * ``onStatus(status)``: "connecting", "live", "reconnecting" or "off".
 */
export function createLive({ onBatch, onReset, onStatus }) {
  let source = null;
  let filters = '';
  let last = 0; // the last change received
  let rows = new Map();
  let gone = new Map();
  let changes = new Map();
  let batchTimer = 0;
  let retryTimer = 0;
  let failures = 0;

  function flush() {
    batchTimer = 0;
    if (!rows.size && !gone.size) return;
    const batch = [rows, gone, changes];
    rows = new Map();
    gone = new Map();
    changes = new Map();
    onBatch(...batch);
  }

  function discard() {
    clearTimeout(batchTimer);
    batchTimer = 0;
    rows = new Map();
    gone = new Map();
    changes = new Map();
  }

  function stop() {
    clearTimeout(retryTimer);
    retryTimer = 0;
    if (source) source.close();
    source = null;
  }

  function connect() {
    retryTimer = 0;
    const params = new URLSearchParams(filters);
    params.set('after', String(last));
    const es = new EventSource(`/api/stream?${params.toString()}`);
    source = es;
    es.addEventListener('open', () => {
      if (source !== es) return;
      failures = 0;
      onStatus('live');
    });
    es.addEventListener('error', () => {
      if (source !== es) return;
      es.close();
      source = null;
      onStatus('reconnecting');
      retryTimer = setTimeout(connect, RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]);
      failures += 1;
    });
    const take = (kind) => (message) => {
      if (source !== es) return;
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return; // not the stream's JSON: nothing to apply
      }
      const seq = Number(message.lastEventId);
      if (Number.isFinite(seq) && seq > last) last = seq;
      if (kind === 'reset') {
        stop();
        discard();
        onStatus('connecting');
        onReset();
        return;
      }
      if (!data || typeof data.id !== 'string') return;
      if (kind === 'point' && Array.isArray(data.row)) {
        gone.delete(data.id);
        rows.set(data.id, data.row);
        // new, then updated within one batch: still new to whoever watches
        const was = changes.get(data.id);
        changes.set(data.id, data.change === 'new' || was === 'new' ? 'new' : 'updated');
      } else if (kind === 'drop') {
        rows.delete(data.id);
        changes.delete(data.id);
        gone.set(data.id, data);
      } else {
        return;
      }
      if (!batchTimer) batchTimer = setTimeout(flush, BATCH_MS);
    };
    for (const kind of ['point', 'drop', 'reset']) es.addEventListener(kind, take(kind));
  }

  return {
    /** Follows the changes after ``seq`` for the server-side filters ``params`` (a query string). */
    open(seq, params) {
      stop();
      discard();
      last = seq;
      filters = params || '';
      failures = 0;
      onStatus('connecting');
      connect();
    },
    /** Stops following (the points are being reloaded); what was not applied yet is dropped. */
    close() {
      stop();
      discard();
      onStatus('off');
    },
  };
}
