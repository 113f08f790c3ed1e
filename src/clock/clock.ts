// Each tenant's sandbox clock, as plain data. Sandbox time = anchor + (wall time since anchor) × factor
// in realtime mode, or stands still at the anchor in manual mode. Advancing moves the anchor.
export interface ClockState {
  mode: 'realtime' | 'manual';
  /** Sandbox seconds per wall second in realtime mode (1 = wall speed). */
  factor: number;
  anchor_wall_ms: number;
  anchor_sandbox_ms: number;
  /**
   * Sandbox time the clock started at (reset, new tenant, scenario). The marketplace counts its
   * moves on orders older than this from here, so a fresh world does not start with a burst of
   * overdue moves. Missing in clocks saved before it existed: see clockStart().
   */
  started_at_ms?: number;
}

export function startClock(startAt: string | number, mode: ClockState['mode'] = 'realtime', factor = 1, wallMs = Date.now()): ClockState {
  const start = typeof startAt === 'number' ? startAt : Date.parse(startAt);
  return { mode, factor, anchor_wall_ms: wallMs, anchor_sandbox_ms: start, started_at_ms: start };
}

/** When the clock started; a clock saved without it is taken to start where it stands now, once. */
export function clockStart(clock: ClockState): number {
  clock.started_at_ms ??= clockNow(clock).getTime();
  return clock.started_at_ms;
}

export function clockNow(clock: ClockState, wallMs = Date.now()): Date {
  return new Date(clockNowMs(clock, wallMs));
}

/** The same as epoch milliseconds, without a Date (the request journal reads it on every request). */
export function clockNowMs(clock: ClockState, wallMs = Date.now()): number {
  if (clock.mode === 'manual') return clock.anchor_sandbox_ms;
  return clock.anchor_sandbox_ms + (wallMs - clock.anchor_wall_ms) * clock.factor;
}

/** The same clock moved `ms` ahead of where it is now (re-anchored, so realtime keeps flowing from there). */
export function advanceClock(clock: ClockState, ms: number, wallMs = Date.now()): ClockState {
  return { ...clock, anchor_wall_ms: wallMs, anchor_sandbox_ms: clockNow(clock, wallMs).getTime() + ms };
}

/** The same clock in another mode or at another speed, from the sandbox time it shows now (no jump). */
export function setClockMode(clock: ClockState, mode: ClockState['mode'], factor = clock.factor, wallMs = Date.now()): ClockState {
  return { ...clock, mode, factor, anchor_wall_ms: wallMs, anchor_sandbox_ms: clockNow(clock, wallMs).getTime() };
}

/** How new and reset tenants' clocks run: `serve --clock realtime[:factor]` or `--clock manual`. */
export interface ClockSetting {
  mode: ClockState['mode'];
  factor: number;
}

export const DEFAULT_CLOCK: ClockSetting = { mode: 'realtime', factor: 1 };

/** Parses "realtime", "realtime:60" or "manual"; null when the text is none of these. */
export function parseClockSetting(text: string): ClockSetting | null {
  const match = /^(realtime|manual)(?::(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!match) return null;
  const mode = match[1] as ClockState['mode'];
  const factor = match[2] === undefined ? 1 : Number(match[2]);
  if (mode === 'manual' && match[2] !== undefined) return null;
  if (!(factor > 0) || factor > 1_000_000) return null;
  return { mode, factor };
}
