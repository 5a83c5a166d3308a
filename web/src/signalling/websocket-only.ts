/**
 * The transports engine.io-client's socket gets in the page's build (vite.config.ts puts this in
 * place of its own list): WebSocket only, the one the page's signalling uses (signalling-client.ts
 * asks for `transports: ['websocket']`), so long-polling and WebTransport stay out of the bundle.
 */
import { WebSocket } from 'engine.io-client';

export const transports = { websocket: WebSocket };
