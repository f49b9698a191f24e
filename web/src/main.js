// The bundle's entry, run twice: as the page's script, and as the clusters' worker (the same
// file, so the build needs no second bundle and the worker comes from 'self' as the CSP asks).
// Each side is imported lazily, so the worker never evaluates Leaflet (which needs a document).
if (typeof document === 'undefined') {
  import('./cluster-worker.js');
} else {
  import('./page.js');
}
