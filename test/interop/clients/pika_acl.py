"""pika as a user with only ^app-.* configure rights: app-orders may be declared,
orders may not. Prints one JSON line of what it observed."""
import json
import sys

import pika

port, user, password, vhost = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
params = pika.ConnectionParameters(host="127.0.0.1", port=port, virtual_host=vhost,
                                   credentials=pika.PlainCredentials(user, password))
conn = pika.BlockingConnection(params)
out = {}
ch = conn.channel()
out["allowed"] = ch.queue_declare(queue="app-orders").method.queue
try:
    ch.queue_declare(queue="orders")
    out["refused"] = "declared"
except pika.exceptions.ChannelClosedByBroker as e:
    out["refused"] = [e.reply_code, e.reply_text]
out["still_usable"] = conn.channel().queue_declare(queue="app-orders", passive=True).method.queue
conn.close()
print(json.dumps(out))
