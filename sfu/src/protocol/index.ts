export * from './ack.ts';
export * from './bridge.ts';
export * from './call.ts';
export * from './errors.ts';
export * from './history.ts';
export * from './rest.ts';
export * from './signalling.ts';
export * from './voip-push.ts';
