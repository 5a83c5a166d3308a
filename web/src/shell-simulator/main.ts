/** Boot of the QA iPhone shell simulator page (`/shell-simulator.html`). */
// Linked, not inline, so the page runs under a CSP without 'unsafe-inline'.
import './simulator.css';
import { startPhoneSimulator } from './phone-simulator.ts';

startPhoneSimulator(document.body);
