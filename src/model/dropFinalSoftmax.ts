import { opInputs, type Op, type Shape } from './ir.js'
import { sizeOf } from './lowering.js'

export type DropFinalSoftmaxParameters = {
  /** The ops lowered so far, in graph order. */
  ops: readonly Op[]
  /** The IR tensor holding the graph output (views share it). */
  output: string
  /** The graph output's shape. */
  shape: Shape
}
/** The tensor that becomes the output instead (the logits), or undefined when nothing is dropped. */
export type DropFinalSoftmaxReturnType = { output: string } | undefined

/**
 * A Softmax that normalizes the whole output, read by nothing else, only maps
 * the logits monotonically: dropping it leaves the argmax unchanged and saves
 * its circuit. Any other Softmax stays a `softmax` op. The importer records
 * the drop in `droppedOutputOps`, as for a final LogSoftmax.
 *
 * @returns the softmax's input tensor when the output's producer is such a softmax.
 * @example
 * dropFinalSoftmax({ ops, output: 'probs', shape: [1, 10] }) // { output: 'logits' }
 */
export function dropFinalSoftmax({ ops, output, shape }: DropFinalSoftmaxParameters): DropFinalSoftmaxReturnType {
  const producer = ops.find((op) => op.output === output)
  if (producer?.kind !== 'softmax' || producer.axisSize !== sizeOf(shape)) return undefined
  if (ops.some((op) => opInputs(op).includes(output))) return undefined
  return { output: producer.input }
}
