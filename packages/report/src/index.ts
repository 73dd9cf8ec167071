export { renderReport, GENERATOR } from './render-report.js';
export type { RenderCheck, RenderReportOptions } from './types.js';
