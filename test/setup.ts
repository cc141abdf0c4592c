import { ready } from '../src/runtime/backend.js';

await ready();
