// The worker's side of cluster.js: messages in, answers out.
import { createClusterer } from './cluster.js';

const handle = createClusterer((message) => self.postMessage(message));
self.addEventListener('message', (event) => handle(event.data));
