"""A pika program as seed 002/003 write them: durable queue, persistent
messages, confirms, basic_get, a consumer with manual ack, a topic exchange.
Prints one JSON line describing what it observed."""
import json
import sys

import pika

port = int(sys.argv[1])
prefix = sys.argv[2]
params = pika.ConnectionParameters(host="127.0.0.1", port=port, credentials=pika.PlainCredentials("guest", "guest"))
conn = pika.BlockingConnection(params)
ch = conn.channel()
ch.confirm_delivery()
out = {}

q = prefix + "-hello"
ch.queue_declare(queue=q, durable=True)
for i in range(3):
    ch.basic_publish(exchange="", routing_key=q, body=("hello %d" % i).encode(),
                     properties=pika.BasicProperties(delivery_mode=2, headers={"n": i, "s": "x"}))
m = ch.queue_declare(queue=q, durable=True, passive=True)
out["declared_count"] = m.method.message_count

method, props, body = ch.basic_get(queue=q)
out["get"] = [body.decode(), props.headers, props.delivery_mode, method.message_count]
ch.basic_ack(method.delivery_tag)

got = []
def on_message(c, method, props, body):
    got.append(body.decode())
    c.basic_ack(method.delivery_tag)
    if len(got) == 2:
        c.stop_consuming()
ch.basic_qos(prefetch_count=1)
ch.basic_consume(queue=q, on_message_callback=on_message)
ch.start_consuming()
out["consumed"] = got

ex = prefix + "-logs"
ch.exchange_declare(exchange=ex, exchange_type="topic")
tq = ch.queue_declare(queue="", exclusive=True).method.queue
ch.queue_bind(exchange=ex, queue=tq, routing_key="*.error")
for key in ["kern.error", "kern.info", "app.error"]:
    ch.basic_publish(exchange=ex, routing_key=key, body=key.encode())
bodies = []
while True:
    method, props, body = ch.basic_get(queue=tq, auto_ack=True)
    if method is None:
        break
    bodies.append(body.decode())
out["topic"] = bodies

try:
    ch.basic_publish(exchange="", routing_key=prefix + "-nowhere", body=b"x", mandatory=True)
    out["unroutable"] = "published"
except pika.exceptions.UnroutableError:
    out["unroutable"] = "UnroutableError"

try:
    ch.queue_declare(queue=prefix + "-missing", passive=True)
except pika.exceptions.ChannelClosedByBroker as e:
    out["passive_missing"] = [e.reply_code, e.reply_text.split(" - ")[0]]

ch = conn.channel()
ch.queue_delete(queue=q)
ch.exchange_delete(exchange=ex)
conn.close()
print(json.dumps(out, sort_keys=True))
