// The demo: the whole story of DESIGN.md run against a real server in a temporary folder.
export { runDemo, type DemoOptions, type DemoSummary } from './run-demo.js';
export { DemoError } from './demo-error.js';
