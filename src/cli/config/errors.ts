/** The errors qpid-config's verbs fail with, named as Qpid's qpid-config names them. */

/** `add` of an exchange or queue that is there already (the management API's PUT would accept it). */
export class ObjectAlreadyExists extends Error {
  static {
    ObjectAlreadyExists.prototype.name = 'ObjectAlreadyExists';
  }
}

/** `unbind` of a binding that is not there. */
export class BindingNotFound extends Error {
  static {
    BindingNotFound.prototype.name = 'NotFound';
  }
}
