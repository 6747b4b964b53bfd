"""A kombu program in the style oslo.messaging uses it (seed 004): a topic
exchange, a named queue, publish with a routing key, drain_events. Prints JSON."""
import json
import sys

from kombu import Connection, Exchange, Queue

port = int(sys.argv[1])
prefix = sys.argv[2]
out = {}
with Connection("amqp://guest:guest@127.0.0.1:%d//" % port) as conn:
    exchange = Exchange(prefix + "-openstack", type="topic", durable=False)
    queue = Queue(prefix + "-compute", exchange=exchange, routing_key="compute.*", durable=False, auto_delete=True)
    received = []

    def handle(body, message):
        received.append(body)
        message.ack()

    with conn.Consumer(queue, callbacks=[handle]):
        producer = conn.Producer(serializer="json")
        for i in range(3):
            producer.publish({"method": "run_instance", "n": i}, exchange=exchange, routing_key="compute.host1",
                             declare=[queue])
        producer.publish({"method": "ignored"}, exchange=exchange, routing_key="network.host1")
        while len(received) < 3:
            conn.drain_events(timeout=5)
    out["received"] = received
print(json.dumps(out, sort_keys=True))
