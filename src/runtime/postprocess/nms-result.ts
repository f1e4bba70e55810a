/** What an NMS returns: survivors as indices into its input, in output order, with final scores. */
export interface NmsResult {
  indices: number[];
  scores: number[];
}
