#!/usr/bin/env node
// Runs the TypeScript entry through tsx so the installed command needs no build step.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/bin.ts', import.meta.url).href);
