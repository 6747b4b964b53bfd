#!/usr/bin/env python3
"""Real oslo.messaging (Debian's python3-oslo.messaging) on the other end of the Node RPC code.

  oslo_peer.py server URL TOPIC NAME...   RPC servers (one per NAME); "ready" once consuming; stop at stdin EOF
  oslo_peer.py client URL TOPIC           calls/casts a server set up like ours; prints one JSON line
  oslo_peer.py notify URL TOPIC           sends notifications at several priorities, both drivers
  oslo_peer.py listen URL TOPIC N         "ready", then prints the first N notifications as JSON

The programs are seed 004's (Target with namespace/version, RPCClient call/cast with fanout, Notifier,
notification listener endpoints named for priorities), made deterministic.
"""
import json
import sys
import threading
import time

from oslo_config import cfg
import oslo_messaging as om

cfg.CONF([], project='qpid-messaging-interop')


def out(value):
    sys.stdout.write(json.dumps(value) + '\n')
    sys.stdout.flush()


class Base(object):
    def __init__(self, name, casts):
        self.name = name
        self.casts = casts

    def echo(self, ctxt, **kwargs):
        return {'ctxt': ctxt, 'args': kwargs, 'server': self.name}

    def fail(self, ctxt):
        raise ValueError('bad value from %s' % self.name)

    def sleep(self, ctxt, seconds):
        time.sleep(seconds)
        return 'slept'

    def record(self, ctxt, **kwargs):
        self.casts.append(kwargs)

    def recorded(self, ctxt):
        return list(self.casts)


class NS1(object):
    target = om.Target(namespace='ns1', version='1.0')

    def test(self, ctxt, arg):
        return 'ns1:' + arg


class NS2(object):
    target = om.Target(namespace='ns2', version='1.1')

    def test(self, ctxt, arg):
        return 'ns2:' + arg


def server(url, topic, names):
    transport = om.get_rpc_transport(cfg.CONF, url=url)
    servers = []
    for name in names:
        endpoints = [Base(name, []), NS1(), NS2()]
        s = om.get_rpc_server(transport, om.Target(topic=topic, server=name), endpoints, executor='threading')
        s.start()
        servers.append(s)
    out('ready')
    sys.stdin.read()
    for s in servers:
        s.stop()
    for s in servers:
        s.wait()
    transport.cleanup()


def expect_error(fn):
    try:
        fn()
    except om.MessagingTimeout as e:
        return ['MessagingTimeout', str(e)]
    except om.RemoteError as e:
        return ['RemoteError', e.exc_type, e.value, len(e.traceback or '') > 0]
    except Exception as e:  # noqa
        return [type(e).__name__, str(e)]
    return ['no error']


def client(url, topic):
    transport = om.get_rpc_transport(cfg.CONF, url=url)
    c = om.get_rpc_client(transport, om.Target(topic=topic), timeout=10)
    r = {}
    r['echo'] = c.call({'user': 'py'}, 'echo', a=[1, u'\u00e9'])
    r['ns1'] = c.prepare(namespace='ns1', version='1.0').call({}, 'test', arg='x')
    r['ns2'] = c.prepare(namespace='ns2', version='1.1').call({}, 'test', arg='y')
    r['fail'] = expect_error(lambda: c.call({}, 'fail'))
    r['nosuch'] = expect_error(lambda: c.call({}, 'nosuch'))
    r['badversion'] = expect_error(lambda: c.prepare(namespace='ns1', version='2.0').call({}, 'test', arg='z'))
    r['timeout'] = expect_error(lambda: c.prepare(timeout=1).call({}, 'sleep', seconds=3))[0]
    c.prepare(server='s1').cast({}, 'record', n=1)
    c.prepare(fanout=True).cast({}, 'record', n=2)
    time.sleep(0.5)
    r['s1'] = c.prepare(server='s1').call({}, 'recorded')
    r['s2'] = c.prepare(server='s2').call({}, 'recorded')
    out(r)
    transport.cleanup()


def notify(url, topic):
    transport = om.get_notification_transport(cfg.CONF, url=url)
    v2 = om.Notifier(transport, publisher_id='compute.py', driver='messagingv2', topics=[topic])
    v2.info({'user_id': 'u1', 'secret': 'dropped'}, 'compute.create', {'id': 1})
    v2.error({}, 'compute.fail', {'id': 2})
    v2.warn({}, 'compute.slow', {'id': 3})
    v1 = om.Notifier(transport, publisher_id='compute.py1', driver='messaging', topics=[topic])
    v1.critical({}, 'compute.v1', {'id': 4})
    out('sent')
    transport.cleanup()


class Collector(object):
    def __init__(self, got, done, n):
        self.got, self.done, self.n = got, done, n

    def _add(self, priority, ctxt, publisher_id, event_type, payload, metadata):
        self.got.append({'priority': priority, 'ctxt': ctxt, 'publisher_id': publisher_id,
                         'event_type': event_type, 'payload': payload, 'metadata': sorted(metadata)})
        if len(self.got) >= self.n:
            self.done.set()
        return om.NotificationResult.HANDLED

    def info(self, *a):
        return self._add('info', *a)

    def warn(self, *a):
        return self._add('warn', *a)

    def error(self, *a):
        return self._add('error', *a)

    def critical(self, *a):
        return self._add('critical', *a)

    def sample(self, *a):
        return self._add('sample', *a)


def listen(url, topic, n):
    transport = om.get_notification_transport(cfg.CONF, url=url)
    got, done = [], threading.Event()
    listener = om.get_notification_listener(transport, [om.Target(topic=topic)], [Collector(got, done, n)],
                                            executor='threading')
    listener.start()
    out('ready')
    done.wait(15)
    listener.stop()
    listener.wait()
    out(got)
    transport.cleanup()


if __name__ == '__main__':
    mode, url, topic = sys.argv[1:4]
    if mode == 'server':
        server(url, topic, sys.argv[4:])
    elif mode == 'client':
        client(url, topic)
    elif mode == 'notify':
        notify(url, topic)
    elif mode == 'listen':
        listen(url, topic, int(sys.argv[4]))
