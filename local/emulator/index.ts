/**
 * Local, wire-faithful emulator of the Amazon Connect and Chime SDK Voice phone-number APIs.
 * Point unmodified AWS SDK v3 clients at `emulator.endpoint`.
 */
export * from './types';
export { startEmulator } from './server';
export { createManualClock } from './clock';
