/**
 * The package's name and version, reported by the broker (server properties,
 * management overview) and the CLIs' --version. Kept equal to package.json's
 * by test/version.test.ts.
 */
export const PRODUCT = 'qpid-messaging';
export const VERSION = '0.1.0';
