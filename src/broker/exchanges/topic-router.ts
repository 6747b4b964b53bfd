/**
 * Topic exchange: binding keys are patterns of '.'-separated words where '*'
 * matches exactly one word and '#' matches zero or more. Stored as a trie over
 * words with literal, '*' and '#' edges, walked the way
 * rabbit_exchange_type_topic:trie_match does in RabbitMQ 3.10.
 */
import type { FieldTable } from '../../protocol/field-types.js';
import type { BindingEntry } from './router.js';
import { BindingRouter, countDown, countUp } from './router.js';

export interface TopicRouterOptions {
  /** Routing keys whose match results are remembered; 0 disables the cache. */
  readonly cacheSize?: number;
}

export const DEFAULT_TOPIC_CACHE_SIZE = 1000;

interface TrieNode<D> {
  readonly literal: Map<string, TrieNode<D>>;
  star: TrieNode<D> | undefined;
  hash: TrieNode<D> | undefined;
  /** Destinations bound with exactly this pattern → number of such bindings. */
  readonly destinations: Map<D, number>;
  /**
   * For '#' nodes: the route pass that last entered this node and the lowest
   * word index it was entered at in that pass. Entering at index i explores
   * every suffix from i, so a later entry at j ≥ i adds nothing; this keeps
   * patterns like "#.#.#" linear instead of exponential.
   */
  pass: number;
  lowest: number;
}

const NO_WORDS: readonly string[] = [];

export class TopicRouter<D> extends BindingRouter<D> {
  readonly #root: TrieNode<D> = newNode();
  readonly #cacheSize: number;
  // Map order is insertion order: a hit is moved to the end, eviction takes the front.
  readonly #cache = new Map<string, readonly D[]>();
  // Reused per uncached route; several trie nodes may hold the same destination.
  readonly #found = new Set<D>();
  #pass = 0;

  constructor(options: TopicRouterOptions = {}) {
    super();
    this.#cacheSize = options.cacheSize ?? DEFAULT_TOPIC_CACHE_SIZE;
  }

  route(routingKey: string, _headers: FieldTable | undefined, out: Set<D>): void {
    let matched = this.#cache.get(routingKey);
    if (matched !== undefined) {
      this.#cache.delete(routingKey);
      this.#cache.set(routingKey, matched);
    } else {
      matched = this.#match(routingKey);
      if (this.#cacheSize > 0) {
        if (this.#cache.size >= this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
        this.#cache.set(routingKey, matched);
      }
    }
    for (const destination of matched) out.add(destination);
  }

  protected index(entry: BindingEntry<D>): void {
    let node = this.#root;
    for (const word of splitTopicKey(entry.bindingKey)) {
      let next = child(node, word);
      if (next === undefined) {
        next = newNode();
        if (word === '*') node.star = next;
        else if (word === '#') node.hash = next;
        else node.literal.set(word, next);
      }
      node = next;
    }
    countUp(node.destinations, entry.destination);
    this.#cache.clear();
  }

  protected unindex(entry: BindingEntry<D>): void {
    const words = splitTopicKey(entry.bindingKey);
    const path: TrieNode<D>[] = [this.#root];
    let node = this.#root;
    for (const word of words) {
      const next = child(node, word);
      if (next === undefined) return;
      path.push(next);
      node = next;
    }
    if (!countDown(node.destinations, entry.destination)) return;
    this.#cache.clear();
    // Prune the nodes left with neither bindings nor children, bottom up, as
    // rabbit_exchange_type_topic:remove_path_if_empty does.
    for (let i = words.length; i > 0; i--) {
      const n = path[i]!;
      if (n.destinations.size > 0 || n.literal.size > 0 || n.star !== undefined || n.hash !== undefined) break;
      const parent = path[i - 1]!;
      const word = words[i - 1]!;
      if (word === '*') parent.star = undefined;
      else if (word === '#') parent.hash = undefined;
      else parent.literal.delete(word);
    }
  }

  #match(routingKey: string): readonly D[] {
    this.#pass++;
    this.#walk(this.#root, splitTopicKey(routingKey), 0);
    const found = this.#found;
    if (found.size === 0) return NO_DESTINATIONS;
    const matched = Array.from(found);
    found.clear();
    return matched;
  }

  #walk(node: TrieNode<D>, words: readonly string[], i: number): void {
    if (i === words.length) {
      for (const destination of node.destinations.keys()) this.#found.add(destination);
    } else {
      const literal = node.literal.get(words[i]!);
      if (literal !== undefined) this.#walk(literal, words, i + 1);
      if (node.star !== undefined) this.#walk(node.star, words, i + 1);
    }
    // '#' may swallow zero words, so it is followed at the end of the key too.
    if (node.hash !== undefined) this.#skipAny(node.hash, words, i);
  }

  /** At a '#' node: continue after swallowing 0, 1, … of the remaining words. */
  #skipAny(node: TrieNode<D>, words: readonly string[], from: number): void {
    let to = words.length;
    if (node.pass === this.#pass) {
      if (from >= node.lowest) return;
      to = node.lowest - 1;
    }
    node.pass = this.#pass;
    node.lowest = from;
    for (let i = from; i <= to; i++) this.#walk(node, words, i);
  }
}

const NO_DESTINATIONS: readonly never[] = [];

/**
 * Splits as rabbit_exchange_type_topic:split_topic_key: "" is zero words
 * (so "*" does not match it, "#" and "" do), while "a." and "." end in an
 * empty word.
 */
export function splitTopicKey(key: string): readonly string[] {
  return key === '' ? NO_WORDS : key.split('.');
}

function child<D>(node: TrieNode<D>, word: string): TrieNode<D> | undefined {
  if (word === '*') return node.star;
  if (word === '#') return node.hash;
  return node.literal.get(word);
}

function newNode<D>(): TrieNode<D> {
  return { literal: new Map(), star: undefined, hash: undefined, destinations: new Map(), pass: 0, lowest: 0 };
}
