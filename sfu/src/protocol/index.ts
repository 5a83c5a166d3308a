export * from './ack.ts';
export * from './call.ts';
export * from './errors.ts';
export * from './signalling.ts';
