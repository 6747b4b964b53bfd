#!/usr/bin/env python3
"""Seed 002's RPC pattern with pika 1.2 and RabbitMQ's direct reply-to instead of a callback queue.

A Fibonacci server consumes PREFIX-rpc and answers on the request's reply_to; the client consumes
amq.rabbitmq.reply-to (auto_ack) and publishes with reply_to = amq.rabbitmq.reply-to. Then the misuse
cases. Prints one JSON line of what it observed.

usage: pika_direct_reply_to.py PORT PREFIX
"""
import json
import re
import sys
import uuid

import pika

port, prefix = int(sys.argv[1]), sys.argv[2]
params = pika.ConnectionParameters('127.0.0.1', port)
REPLY_TO = 'amq.rabbitmq.reply-to'
out = {}


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


server_conn = pika.BlockingConnection(params)
server = server_conn.channel()
queue = prefix + '-rpc'
server.queue_declare(queue=queue, exclusive=True)
seen_reply_to = []


def on_request(ch, method, props, body):
    seen_reply_to.append(bool(re.match(r'^amq\.rabbitmq\.reply-to\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$', props.reply_to)))
    ch.basic_publish(exchange='', routing_key=props.reply_to,
                     properties=pika.BasicProperties(correlation_id=props.correlation_id),
                     body=str(fib(int(body))))
    ch.basic_ack(delivery_tag=method.delivery_tag)


server.basic_qos(prefetch_count=1)
server.basic_consume(queue=queue, on_message_callback=on_request)

client_conn = pika.BlockingConnection(params)
client = client_conn.channel()
responses = {}
tags = []


def on_response(ch, method, props, body):
    responses[props.correlation_id] = body.decode()
    tags.append([method.delivery_tag, method.exchange, method.routing_key.startswith(REPLY_TO + '.')])


client.basic_consume(queue=REPLY_TO, on_message_callback=on_response, auto_ack=True, consumer_tag='fib-client')
ids = {}
for n in [1, 10, 20]:
    cid = str(uuid.uuid4())
    ids[cid] = n
    client.basic_publish(exchange='', routing_key=queue, body=str(n),
                         properties=pika.BasicProperties(reply_to=REPLY_TO, correlation_id=cid))
for _ in range(200):
    if len(responses) == len(ids):
        break
    server_conn.process_data_events(time_limit=0.02)
    client_conn.process_data_events(time_limit=0.02)
out['results'] = sorted([ids[c], int(v)] for c, v in responses.items())
out['reply_to_rewritten'] = seen_reply_to
out['deliveries'] = tags
out['declare'] = list(client.queue_declare(queue=REPLY_TO, passive=True).method.__dict__.items())


def closed_by(fn):
    ch = client_conn.channel()
    try:
        fn(ch)
        client_conn.process_data_events(time_limit=0.2)
        ch.basic_qos(prefetch_count=1)  # a round trip: the close arrives before its answer
        return 'open'
    except pika.exceptions.ChannelClosedByBroker as e:
        return [e.reply_code, e.reply_text]


out['consume_with_ack'] = closed_by(lambda ch: ch.basic_consume(REPLY_TO, lambda *a: None, auto_ack=False))
out['publish_before_consume'] = closed_by(
    lambda ch: ch.basic_publish('', queue, b'1', pika.BasicProperties(reply_to=REPLY_TO)))
out['second_consumer'] = closed_by(lambda ch: [ch.basic_consume(REPLY_TO, lambda *a: None, auto_ack=True)
                                               for _ in range(2)])
client_conn.close()
server_conn.close()
print(json.dumps(out, sort_keys=True))
