export { AccessAdminError, AccessControl, isLoginRefusal, type LoginRefusal, resourceName } from './access-control.js';
export {
  DEFAULT_HASHING,
  type HashingAlgorithm,
  hashPassword,
  isHashingAlgorithm,
  verifyPassword,
} from './password-hash.js';
export { ResourceGuard } from './resource-guard.js';
export * from './types.js';
