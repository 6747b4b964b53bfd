/**
 * `/api/nodes` and `/api/nodes/{name}`: the one node a bundled broker is, with RabbitMQ 3.10's field
 * names and JSON types (rabbit_mgmt_wm_nodes), so `rabbitmqadmin list nodes` and monitoring scripts that
 * read mem_used, disk_free_alarm, uptime, ... work. Erlang-only figures (processes, run queue, mnesia,
 * io_*) are left out rather than invented.
 */
import { cpus, totalmem } from 'node:os';
import type { ManagementHost } from './host.js';
import { type JsonObject, NODE_NAME } from './json.js';

const EXCHANGE_TYPES = [
  ['direct', 'AMQP direct exchange, as per the AMQP specification'],
  ['fanout', 'AMQP fanout exchange, as per the AMQP specification'],
  ['headers', 'AMQP headers exchange, as per the AMQP specification'],
  ['topic', 'AMQP topic exchange, as per the AMQP specification'],
] as const;

export function nodeJson(b: ManagementHost): JsonObject {
  const watermark = b.options.memoryHighWatermark;
  return {
    name: NODE_NAME,
    type: 'disc',
    running: true,
    os_pid: String(process.pid),
    uptime: Date.now() - b.startedAt,
    processors: cpus().length,
    partitions: [],
    rates_mode: 'basic',
    mem_used: process.memoryUsage().rss,
    mem_limit: watermark <= 1 ? Math.floor(totalmem() * watermark) : watermark,
    mem_alarm: b.memoryAlarm,
    mem_calculation_strategy: 'rss',
    disk_free_limit: b.options.diskFreeLimit,
    disk_free_alarm: b.diskAlarmActive,
    sockets_used: b.connections.size,
    exchange_types: EXCHANGE_TYPES.map(([name, description]) => ({ name, description, enabled: true })),
    auth_mechanisms: [
      { name: 'PLAIN', description: 'SASL PLAIN authentication mechanism', enabled: true },
      { name: 'AMQPLAIN', description: 'QPid AMQPLAIN mechanism', enabled: true },
    ],
    applications: [],
    enabled_plugins: ['rabbitmq_management'],
  };
}
