export { rng } from './rng.js';
export { waitUntil } from './wait-until.js';
