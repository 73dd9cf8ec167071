export { randomPicks, type RandomPicks } from './random-picks.js';
export { rng } from './rng.js';
export { waitUntil } from './wait-until.js';
