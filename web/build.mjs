// Builds the page into src/khronika/serving/static/ (committed, so the demo and the tests never
// need npm): app.js and app.css bundled by esbuild, index.html, Leaflet's images, and the
// licences of the bundled libraries.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'src', 'khronika', 'serving', 'static');
const bundled = ['leaflet', 'supercluster', 'kdbush'];

mkdirSync(out, { recursive: true });
for (const name of ['app.js', 'app.css', 'images', 'index.html', 'THIRD-PARTY-LICENSES.txt']) {
  rmSync(join(out, name), { recursive: true, force: true });
}

await build({
  entryPoints: { app: join(here, 'src', 'main.js') },
  bundle: true,
  format: 'esm',
  target: ['es2020'],
  minify: true,
  legalComments: 'none', // the licences go whole into THIRD-PARTY-LICENSES.txt
  outdir: out,
  logLevel: 'warning',
});
await build({
  entryPoints: { app: join(here, 'src', 'app.css') },
  bundle: true,
  minify: true,
  loader: { '.png': 'file', '.svg': 'file' },
  assetNames: 'images/[name]',
  outdir: out,
  logLevel: 'warning',
});
copyFileSync(join(here, 'src', 'index.html'), join(out, 'index.html'));

const notices = bundled.map((name) => {
  const pkg = JSON.parse(readFileSync(join(here, 'node_modules', name, 'package.json'), 'utf8'));
  const licence = readFileSync(join(here, 'node_modules', name, 'LICENSE'), 'utf8').trim();
  return `${name} ${pkg.version} (${pkg.license})\n${'-'.repeat(40)}\n${licence}\n`;
});
writeFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'),
  'Libraries bundled into app.js and app.css:\n\n' + notices.join('\n'));
