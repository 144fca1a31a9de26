import type { WeightSegment } from '../../weights/weightLayout.js'

/** The loop copying a segment of the private `weights` input into a component's weight signal array. */
export function wireSegment(target: string, segment: WeightSegment): string[] {
  return [`    for (var i = 0; i < ${segment.count}; i++) {`, `        ${target}[i] <== weights[${segment.start} + i];`, '    }']
}
