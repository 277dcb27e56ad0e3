/** What every conformance world offers besides its driver: faults to inject, backoff to read, a close. */
export interface WorldFaults {
  /** The next call fails authentication. */
  failAuthentication(): void;
  /** The next `times` tries are throttled (Infinity: every try). */
  throttle(times: number): void;
  /** How many times the driver slept in backoff so far. */
  backoffSleeps(): number;
  close(): Promise<void>;
}

/**
 * The simulator's faults as a world's: it throttles by rate, not by count (a rate of 1 is every try),
 * and its dns and network drivers do not back off.
 */
export function simFaults(faults: { auth: boolean; throttleRate: number }): WorldFaults {
  return {
    failAuthentication: () => {
      faults.auth = true;
    },
    throttle: () => {
      faults.throttleRate = 1;
    },
    backoffSleeps: () => 0,
    close: async () => {},
  };
}
