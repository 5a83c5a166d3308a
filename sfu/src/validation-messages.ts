/**
 * The protocol's schemas are zod/mini (so that the page stays small), which carries no messages of
 * its own: every refusal would read "Invalid input". The server's refusals say what was wrong, in
 * English; the edges that put a validation message in a reply import this first.
 */
import { z } from 'zod/mini';

z.config(z.locales.en());
