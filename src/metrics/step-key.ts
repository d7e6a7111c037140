/**
 * Map keys for a deploy step of a strategy, and for one repeat of it, as results group their steps and samples.
 * A NUL separates the names: no strategy or step name holds one, so two pairs never share a key.
 */
export function stepKey(s: { readonly strategy: string; readonly step: string }): string {
  return `${s.strategy}\u0000${s.step}`;
}

export function repeatKey(s: { readonly strategy: string; readonly step: string; readonly repeat: number }): string {
  return `${s.strategy}\u0000${s.step}\u0000${s.repeat}`;
}
