// The view as a URL hash: filters, brush window, map centre and zoom, open event. Reloading or
// sharing the URL restores the same view.

export const FILTER_KEYS = ['type', 'admin1', 'since', 'until', 'min_killed', 'q'];
const KEYS = [...FILTER_KEYS, 'from', 'to', 'c', 'z', 'ev'];

export function readState(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state = {};
  for (const key of KEYS) state[key] = params.get(key) || '';
  return state;
}

export function writeState(state) {
  const params = new URLSearchParams();
  for (const key of KEYS) if (state[key]) params.set(key, state[key]);
  const hash = '#' + params.toString();
  if (hash !== window.location.hash) window.history.replaceState(null, '', hash);
}

/** The server's filter parameters for the state, the brush window folded into since/until. */
export function serverParams(state) {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (state[key]) params.set(key, state[key]);
  const since = [state.since, state.from].filter(Boolean).sort().pop();
  const until = [state.until, state.to].filter(Boolean).sort().shift();
  if (since) params.set('since', since);
  if (until) params.set('until', until);
  return params;
}

export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
