import type { WeightField } from '../layers/layerKind.js'
import type { WeightLayout, WeightSegment } from '../weights/weightLayout.js'

/**
 * The lines of the main template that declare the weight signals and prove
 * their commitment (circuits/committed.circom, `WeightCommitment`). The
 * segments' counts and widths are template parameters, so the packing is
 * fixed by the architecture, never by the weights.
 */
export function emitWeightCommitment(layout: WeightLayout): string[] {
  const counts = layout.segments.map((s) => s.count).join(',')
  const widths = layout.segments.map((s) => s.bits).join(',')
  return [
    '',
    `    // ${layout.values} committed weight values (private), range-checked and packed into ${layout.elements} field element(s), Poseidon-hashed to the public weightsCommitment.`,
    `    component weightCheck = WeightCommitment(${layout.values}, ${layout.segments.length}, [${counts}], [${widths}]);`,
    '    weightCheck.in <== weights;',
    '    weightsCommitment <== weightCheck.hash;',
  ]
}

/**
 * The segment of one weight field of layer `index` in the layout (what a
 * kind's `emitCommitted` wires to the private `weights` input).
 * @throws {Error} when the layout has no such segment: the layout and the model disagree (a bug).
 */
export function committedSegment(layout: WeightLayout, index: number, layer: string, field: WeightField): WeightSegment {
  const found = layout.segments.find((s) => s.layerIndex === index && s.field === field)
  if (!found) throw new Error(`layer ${layer} has no ${field} segment in the weight layout`)
  return found
}
