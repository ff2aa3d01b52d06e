/** A selection (cluster, host) that names something the source does not have. */
export class UnknownSelection extends Error {
  override readonly name = 'UnknownSelection';
}
