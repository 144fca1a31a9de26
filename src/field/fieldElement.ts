/**
 * BN254 scalar field elements as glassbox's signals hold them: every signed
 * integer of a circuit is its residue modulo the field order.
 */
/** The BN254 scalar field order: signals live modulo this prime. */
export const FIELD_ORDER = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** Maps a signed integer to its field element (negative v becomes p − |v|). */
export function toField(value: bigint): bigint {
  const r = value % FIELD_ORDER
  return r < 0n ? r + FIELD_ORDER : r
}

/** Maps a field element back to a signed integer in (−p/2, p/2]. */
export function fromField(value: bigint): bigint {
  return value > FIELD_ORDER / 2n ? value - FIELD_ORDER : value
}
