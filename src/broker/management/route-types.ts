/** The shapes of the management API's route table, shared by routes.ts and access-routes.ts. */
import type { AccessLevel, Caller } from './authorize.js';
import type { ManagementHost } from './host.js';
import type { Reply } from './http-error.js';
import type { JsonObject } from './json.js';
import type { StatsView } from './stats.js';

export interface RequestContext {
  readonly broker: ManagementHost;
  readonly sampler: StatsView;
  readonly mgmtPort: number;
  readonly user: string;
  /** The authenticated caller with its tags; listings show only what it may see. */
  readonly caller: Caller;
  readonly method: string;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  /** The `X-Reason` request header (connection close), if sent. */
  readonly reason?: string;
  /** Request headers (lower-case names), e.g. x-reason on DELETE /api/connections/{name}. */
  readonly headers: Record<string, string | string[] | undefined>;
  /** The parsed request body: `{}` when empty. */
  body(): JsonObject;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface Route {
  segments: string[];
  methods: Partial<Record<HttpMethod, Handler>>;
  /** Who may call it (authorize.ts); default 'vhost' when the path has a vhost, else 'any'. */
  auth?: AccessLevel | Partial<Record<HttpMethod, AccessLevel>>;
}
