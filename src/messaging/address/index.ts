/** Qpid address strings: parse, validate, write back (docs/qpid-reference.md §1). */
export { lex, type Token, type TokenType } from './lexer.js';
export {
  type AddressMap,
  type AddressOptions,
  type AddressValue,
  checkRole,
  formatValue,
  type LinkFilter,
  type LinkOptions,
  type LinkRole,
  type NodeOptions,
  type NodeType,
  type Policy,
  type ReceiveMode,
  type Reliability,
  validateOptions,
  type XBinding,
} from './options.js';
export {
  type Address,
  type AddressInit,
  createAddress,
  formatAddress,
  parseAddress,
  parseRawAddress,
  type RawAddress,
  resolveTemporaryAddress,
  resolveTemporaryName,
} from './parser.js';
