import { DEFAULT_MAX_EVENTS } from './constants.js'
import type { RolloutEvent, RolloutState } from './types.js'

/** Appends an event to a rollout's history, dropping the oldest beyond `max`. Mutates `state`. */
export function recordEvent(state: RolloutState, event: RolloutEvent, max = DEFAULT_MAX_EVENTS): void {
  state.events.push(event)
  if (state.events.length > max) state.events.splice(0, state.events.length - max)
}
