// Each tenant's sandbox clock, as plain data. Sandbox time = anchor + (wall time since anchor) × factor
// in realtime mode, or stands still at the anchor in manual mode. Advancing moves the anchor.
export interface ClockState {
  mode: 'realtime' | 'manual';
  /** Sandbox seconds per wall second in realtime mode (1 = wall speed). */
  factor: number;
  anchor_wall_ms: number;
  anchor_sandbox_ms: number;
}

export function startClock(startAt: string | number, mode: ClockState['mode'] = 'realtime', factor = 1, wallMs = Date.now()): ClockState {
  return { mode, factor, anchor_wall_ms: wallMs, anchor_sandbox_ms: typeof startAt === 'number' ? startAt : Date.parse(startAt) };
}

export function clockNow(clock: ClockState, wallMs = Date.now()): Date {
  if (clock.mode === 'manual') return new Date(clock.anchor_sandbox_ms);
  return new Date(clock.anchor_sandbox_ms + (wallMs - clock.anchor_wall_ms) * clock.factor);
}

/** The same clock moved `ms` ahead of where it is now (re-anchored, so realtime keeps flowing from there). */
export function advanceClock(clock: ClockState, ms: number, wallMs = Date.now()): ClockState {
  return { ...clock, anchor_wall_ms: wallMs, anchor_sandbox_ms: clockNow(clock, wallMs).getTime() + ms };
}
