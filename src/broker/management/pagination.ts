/**
 * RabbitMQ's paginated listings (rabbit_mgmt_util:filter_and_paginate): with
 * `?page=N`, a list endpoint answers `{items, page, page_size, page_count,
 * item_count, filtered_count, total_count}` after filtering by `name`
 * (a regex with `use_regex=true`, else a case-insensitive substring) and
 * sorting by `sort` (a dotted field path) and `sort_reverse`. Errors and
 * limits follow RabbitMQ 3.10 (page_size at most 500, a page past the end is
 * 400 page_out_of_range), with its error texts.
 */

import { HttpError } from './http-error.js';
import type { Json, JsonObject } from './json.js';

export const MAX_PAGE_SIZE = 500;
const DEFAULT_PAGE_SIZE = 100;

function field(o: Json, path: string): Json | undefined {
  let v: Json | undefined = o;
  for (const p of path.split('.')) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? v[p] : undefined;
  return v;
}

function compare(a: Json | undefined, b: Json | undefined): number {
  // Missing values sort first, numbers numerically, everything else as text.
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const invalid = () => new HttpError(400, 'bad_request', 'Pagination parameters are invalid');

/** An integer query parameter; anything else is RabbitMQ's "Pagination parameters are invalid". */
function intParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null) return undefined;
  if (!/^-?\d+$/.test(raw)) throw invalid();
  return Number(raw);
}

function nameFilter(query: URLSearchParams): ((name: string) => boolean) | undefined {
  const name = query.get('name');
  if (!name) return undefined;
  if (query.get('use_regex') === 'true') {
    let re: RegExp;
    try {
      re = new RegExp(name);
    } catch {
      throw invalid();
    }
    return (n) => re.test(n);
  }
  const lower = name.toLowerCase();
  return (n) => n.toLowerCase().includes(lower);
}

/** Applies `?page=` to a list reply; other replies (and lists without `page`) pass through. */
export function paginate(body: Json, query: URLSearchParams): Json {
  if (!Array.isArray(body) || !query.has('page')) return body;
  const page = intParam(query, 'page') as number;
  const givenSize = intParam(query, 'page_size');
  const size = givenSize ?? DEFAULT_PAGE_SIZE;
  if (page < 1 || size < 1 || size > MAX_PAGE_SIZE) {
    throw new HttpError(
      400,
      'invalid_pagination_parameters',
      `Invalid pagination parameters: page number ${page}, page size ${givenSize ?? 'undefined'}`,
    );
  }
  const keep = nameFilter(query);
  let items = keep ? body.filter((o) => keep(String(field(o, 'name') ?? ''))) : [...body];
  const sort = query.get('sort');
  if (sort) {
    const dir = query.get('sort_reverse') === 'true' ? -1 : 1;
    items.sort((a, b) => dir * compare(field(a, sort), field(b, sort)));
  }
  const pageCount = Math.ceil(items.length / size);
  if (page > 1 && page > pageCount) {
    throw new HttpError(
      400,
      'page_out_of_range',
      `Page out of range, page: ${page} page size: ${size}, len: ${items.length}`,
    );
  }
  const filtered = items.length;
  items = items.slice((page - 1) * size, page * size);
  const out: JsonObject = {
    filtered_count: filtered,
    item_count: items.length,
    items,
    page,
    page_count: pageCount,
    page_size: size,
    total_count: body.length,
  };
  return out;
}
