import { css } from 'lit';

/** Tokens and the few shapes every screen shares: a card, a title, buttons. */
export const shared = css`
  :host {
    display: block;
    font-family:
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      sans-serif;
    color: var(--sp-fg, #14202b);
  }
  .card {
    display: flex;
    flex-direction: column;
    gap: 1rem;
    align-items: stretch;
    padding: 1.5rem;
    border-radius: 16px;
    background: var(--sp-surface, #ffffff);
    box-shadow: 0 2px 16px rgb(0 0 0 / 8%);
  }
  h1,
  h2,
  p {
    margin: 0;
  }
  h1,
  h2 {
    font-weight: 600;
  }
  h1 {
    font-size: 1.5rem;
  }
  h2 {
    font-size: 1.125rem;
  }
  .muted {
    color: var(--sp-fg-muted, #5b6b79);
  }
  button {
    font: inherit;
    min-height: 44px;
    padding: 0.5rem 1.25rem;
    border-radius: 999px;
    border: 1px solid transparent;
    cursor: pointer;
    background: var(--sp-neutral, #e6ebf0);
    color: inherit;
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  a:focus-visible {
    outline: 3px solid var(--sp-focus, #1d5bd6);
    outline-offset: 2px;
  }
  /* Headings take focus only so a screen reader starts reading the new screen there. */
  [tabindex='-1']:focus {
    outline: none;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  button.primary {
    background: var(--sp-accent, #1f7a4d);
    color: #fff;
  }
  button.danger {
    background: var(--sp-danger, #c0392b);
    color: #fff;
  }
  button[aria-pressed='true'] {
    background: var(--sp-fg, #14202b);
    color: #fff;
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  .actions {
    display: flex;
    gap: 0.75rem;
    justify-content: center;
    flex-wrap: wrap;
  }
  .peer {
    margin: 0;
    font-size: 1.75rem;
    font-weight: 600;
    text-align: center;
    overflow-wrap: anywhere;
  }
  .status {
    text-align: center;
    font-size: 1.125rem;
  }
  /* A call screen fills a phone's height, its buttons at the bottom where the thumb is. */
  .card.call {
    min-height: min(
      40rem,
      calc(100dvh - max(1rem, env(safe-area-inset-top)) - max(1rem, env(safe-area-inset-bottom)))
    );
    box-sizing: border-box;
    padding-top: 2.5rem;
  }
  @media (min-width: 48rem) {
    .card.call {
      min-height: 24rem;
    }
  }
  .card.call .actions {
    margin-top: auto;
  }
  .avatar {
    align-self: center;
    display: grid;
    place-items: center;
    width: 6rem;
    height: 6rem;
    border-radius: 50%;
    background: #e3f1ea;
    color: var(--sp-accent, #1f7a4d);
    font-size: 2.5rem;
    font-weight: 600;
  }
  .call-actions {
    gap: 0.5rem;
  }
  .call-actions button {
    min-width: 5.5rem;
    padding: 0.5rem 0.9rem;
  }
  /* The call screens' keys (aria-keyshortcuts says them to a screen reader), not where a finger is
     the main pointer: a phone's touch screen has no keyboard to press them on. */
  .keys {
    margin: 0;
    font-size: 0.875rem;
    text-align: center;
  }
  @media (pointer: coarse) {
    .keys {
      display: none;
    }
  }
  kbd {
    font: inherit;
    font-weight: 600;
    padding: 0 0.3rem;
    border: 1px solid var(--sp-border, #b8c4cf);
    border-radius: 4px;
  }
`;
