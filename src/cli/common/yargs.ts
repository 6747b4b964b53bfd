/**
 * yargs, loaded as CommonJS on purpose: its ESM entry wires cliui to a naive wrap() that cuts words
 * in the middle (`qpid-c⏎onfig`, `[OPT⏎IONS]`), while the CommonJS one uses wrap-ansi, which breaks
 * lines on word boundaries. Same yargs, same API and types.
 */
import { createRequire } from 'node:module';
import type yargsType from 'yargs';

const require = createRequire(import.meta.url);

export const yargs = require('yargs') as typeof yargsType;
