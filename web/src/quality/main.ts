/**
 * The operator page `/quality`: its own entry, so nothing of it (nor its charting library) is in
 * what the phone page loads.
 */
// Linked, not inline: the server's CSP has no 'unsafe-inline' for styles.
import './quality.css';
import './sp-quality.ts';

document.body.append(document.createElement('sp-quality'));
