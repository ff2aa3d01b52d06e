/** Every workflow the worker registers (the bundle's entry point). */
export { installVib, installProgressQuery } from './installVib';
