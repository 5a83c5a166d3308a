/** Boot of the QA iPhone shell simulator page (`/shell-simulator.html`). */
import { startPhoneSimulator } from './phone-simulator.ts';

startPhoneSimulator(document.body);
