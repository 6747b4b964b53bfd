/** The RabbitMQ version whose management API this one follows. */
export const RABBITMQ_COMPAT_VERSION = '3.10.8';
