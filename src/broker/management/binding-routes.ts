/**
 * /api/bindings and the bindings of a queue or exchange (rabbit_mgmt_wm_bindings,
 * _binding): listing, reading, creating and deleting bindings, each named by
 * its `properties_key` as RabbitMQ names them.
 */
import type { FieldTable } from '../../protocol/index.js';
import { authorizeBinding } from '../auth/topology-checks.js';
import { Exchange } from '../exchange.js';
import type { VHost } from '../vhost.js';
import { brokerOp, noContent, notFoundError, ok, type Reply } from './http-error.js';
import { type BindingView, defaultBinding, exchangeBindings, type Json, propertiesKey, vhostBindings } from './json.js';
import {
  argumentsField,
  exchangeName,
  exchangeParam,
  guardFor,
  MGMT_OWNER,
  queueParam,
  stringField,
  vhostParam,
  vhostsParam,
} from './request-params.js';
import type { Handler, RequestContext, Route } from './route-types.js';

/** The destination kind in a binding's path: `…/e/{source}/q/{dest}` or `…/e/{source}/e/{dest}`. */
type DestKind = 'q' | 'e';

/** One binding found by its path, with the arguments it was made with. */
interface FoundBinding {
  v: VHost;
  view: BindingView;
  args: FieldTable;
}

const views = (list: BindingView[]): Reply => ok(list as unknown as Json);

function listBindings(ctx: RequestContext): Reply {
  const out: BindingView[] = [];
  for (const v of vhostsParam(ctx)) out.push(...vhostBindings(v));
  return views(out);
}

function queueBindings(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const q = queueParam(v, ctx.params['name'] as string);
  const out = [defaultBinding(v, q)];
  for (const x of v.exchanges.values()) {
    out.push(...exchangeBindings(v, x).filter((b) => b.destination_type === 'queue' && b.destination === q.name));
  }
  return views(out);
}

function exchangeSourceBindings(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const x = exchangeParam(v, ctx.params['name'] as string);
  // The default exchange's implicit bindings are not listed by RabbitMQ here.
  return views(x.name === '' ? [] : exchangeBindings(v, x));
}

function exchangeDestinationBindings(ctx: RequestContext): Reply {
  const v = vhostParam(ctx);
  const x = exchangeParam(v, ctx.params['name'] as string);
  const out: BindingView[] = [];
  for (const src of v.exchanges.values()) {
    out.push(...exchangeBindings(v, src).filter((b) => b.destination_type === 'exchange' && b.destination === x.name));
  }
  return views(out);
}

function bindingsBetween(ctx: RequestContext, kind: DestKind): { v: VHost; list: BindingView[] } {
  const v = vhostParam(ctx);
  const src = exchangeParam(v, ctx.params['source'] as string);
  const dest = ctx.params['dest'] as string;
  if (kind === 'q') queueParam(v, dest);
  else exchangeParam(v, dest);
  const wanted = kind === 'q' ? 'queue' : 'exchange';
  const list =
    src.name === ''
      ? kind === 'q'
        ? [defaultBinding(v, queueParam(v, dest))]
        : []
      : exchangeBindings(v, src).filter((b) => b.destination_type === wanted && b.destination === dest);
  return { v, list };
}

function listBindingsBetween(kind: DestKind): Handler {
  return (ctx) => views(bindingsBetween(ctx, kind).list);
}

function getBinding(kind: DestKind): Handler {
  return (ctx) => ok(findBinding(ctx, kind).view as unknown as Json);
}

function findBinding(ctx: RequestContext, kind: DestKind): FoundBinding {
  const { v, list } = bindingsBetween(ctx, kind);
  const props = ctx.params['props'] as string;
  const view = list.find((b) => b.properties_key === props || decodeSafe(b.properties_key) === props);
  if (view === undefined) throw notFoundError();
  const src = v.exchanges.get(view.source) as Exchange;
  let args: FieldTable = {};
  for (const e of src.router.entries()) {
    const isQueue = !(e.destination instanceof Exchange);
    if (
      e.destination.name === view.destination &&
      isQueue === (kind === 'q') &&
      propertiesKey(e.bindingKey, e.args) === view.properties_key
    ) {
      args = e.args;
      break;
    }
  }
  return { v, view, args };
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function createBinding(kind: DestKind): Handler {
  return (ctx) => {
    const body = ctx.body();
    const v = vhostParam(ctx, true);
    const source = exchangeName(ctx.params['source'] as string);
    const dest = ctx.params['dest'] as string;
    const routingKey = stringField(body, 'routing_key', '');
    const args = argumentsField(body);
    brokerOp(() => {
      authorizeBinding(guardFor(ctx, v), kind === 'q' ? 'queue' : 'exchange', dest, source);
      if (kind === 'q') v.bindQueue(dest, source, routingKey, args, v.queues.get(dest)?.exclusiveOwner ?? MGMT_OWNER);
      else v.bindExchange(dest, source, routingKey, args);
    });
    return {
      status: 201,
      headers: { location: `${encodeURIComponent(dest)}/${propertiesKey(routingKey, args)}` },
    };
  };
}

function deleteBinding(kind: DestKind): Handler {
  return (ctx) => {
    const { v, view, args } = findBinding(ctx, kind);
    brokerOp(() => {
      authorizeBinding(guardFor(ctx, v), kind === 'q' ? 'queue' : 'exchange', view.destination, view.source);
      if (kind === 'q') {
        const owner = v.queues.get(view.destination)?.exclusiveOwner ?? MGMT_OWNER;
        v.unbindQueue(view.destination, view.source, view.routing_key, args, owner);
      } else {
        v.unbindExchange(view.destination, view.source, view.routing_key, args);
      }
    });
    return noContent;
  };
}

export const BINDING_ROUTES: Route[] = [
  { segments: ['queues', ':vhost', ':name', 'bindings'], methods: { GET: queueBindings } },
  { segments: ['exchanges', ':vhost', ':name', 'bindings', 'source'], methods: { GET: exchangeSourceBindings } },
  {
    segments: ['exchanges', ':vhost', ':name', 'bindings', 'destination'],
    methods: { GET: exchangeDestinationBindings },
  },
  { segments: ['bindings'], methods: { GET: listBindings } },
  { segments: ['bindings', ':vhost'], methods: { GET: listBindings } },
  {
    segments: ['bindings', ':vhost', 'e', ':source', 'q', ':dest'],
    methods: { GET: listBindingsBetween('q'), POST: createBinding('q') },
  },
  {
    segments: ['bindings', ':vhost', 'e', ':source', 'e', ':dest'],
    methods: { GET: listBindingsBetween('e'), POST: createBinding('e') },
  },
  {
    segments: ['bindings', ':vhost', 'e', ':source', 'q', ':dest', ':props'],
    methods: { GET: getBinding('q'), DELETE: deleteBinding('q') },
  },
  {
    segments: ['bindings', ':vhost', 'e', ':source', 'e', ':dest', ':props'],
    methods: { GET: getBinding('e'), DELETE: deleteBinding('e') },
  },
];
