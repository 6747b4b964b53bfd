/**
 * The exceptions of oslo.messaging's RPC and notification API, as typed classes with the names and
 * messages oslo uses, so a Node caller can `instanceof` what a Python caller would `except`.
 *
 * Sources: oslo_messaging/exceptions.py, rpc/client.py (RemoteError, RPCVersionCapError),
 * rpc/dispatcher.py (NoSuchMethod, UnsupportedVersion), _drivers/amqpdriver.py (the timeout text).
 */
import { MessagingError } from '../messaging/index.js';

/** Root of the RPC errors ([oslo] `MessagingException`); a messaging error like any other. */
export class RpcError extends MessagingError {
  static {
    RpcError.prototype.name = 'RpcError';
  }
}

/** No reply within the call's timeout ([oslo] `MessagingTimeout`). */
export class MessagingTimeout extends RpcError {
  static {
    MessagingTimeout.prototype.name = 'MessagingTimeout';
  }
}

/** A target without the fields the operation needs ([oslo] `InvalidTarget`). */
export class InvalidTarget extends RpcError {
  static {
    InvalidTarget.prototype.name = 'InvalidTarget';
  }
}

/** Sending the request failed ([oslo] `ClientSendError`: `Failed to send to target "…": …`). */
export class ClientSendError extends RpcError {
  static {
    ClientSendError.prototype.name = 'ClientSendError';
  }
}

/**
 * The server raised: `excType` is the remote exception's class name, `value` its message and
 * `traceback` the formatted traceback lines joined ([oslo] `RemoteError(exc_type, value, traceback)`).
 */
export class RemoteError extends RpcError {
  static {
    RemoteError.prototype.name = 'RemoteError';
  }
  readonly excType: string;
  readonly value: string;
  readonly traceback: string;
  /** The remote exception's module (`builtins`, `oslo_messaging.rpc.dispatcher`, `node` for Node servers). */
  readonly module: string | undefined;

  constructor(excType: string, value: string, traceback: string, module?: string) {
    super(`Remote error: ${excType} ${value}\n${traceback}.`);
    this.excType = excType;
    this.value = value;
    this.traceback = traceback;
    this.module = module;
  }
}

/** The request's version is above the client's cap ([oslo] `RPCVersionCapError`). */
export class RpcVersionCapError extends RpcError {
  static {
    RpcVersionCapError.prototype.name = 'RPCVersionCapError';
  }
  constructor(
    readonly version: string | undefined,
    readonly versionCap: string,
  ) {
    super(
      `Requested message version, ${version} is incompatible.  It needs to be equal in major version and ` +
        `less than or equal in minor version as the specified version cap ${versionCap}.`,
    );
  }
}

/** Module name oslo gives the dispatcher's errors; a Python client rebuilds them only if allowed. */
export const DISPATCHER_MODULE = 'oslo_messaging.rpc.dispatcher';

/** No endpoint of a compatible namespace/version has the method ([oslo] `NoSuchMethod`). */
export class NoSuchMethod extends RpcError {
  static {
    NoSuchMethod.prototype.name = 'NoSuchMethod';
  }
  constructor(readonly method: string) {
    super(`Endpoint does not support RPC method ${method}`);
  }
}

/** No endpoint serves the namespace and version asked for ([oslo] `UnsupportedVersion`). */
export class UnsupportedVersion extends RpcError {
  static {
    UnsupportedVersion.prototype.name = 'UnsupportedVersion';
  }
  constructor(
    readonly version: string,
    readonly method?: string,
  ) {
    super(`Endpoint does not support RPC version ${version}${method ? `. Attempted method: ${method}` : ''}`);
  }
}
