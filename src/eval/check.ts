// Input guards shared by the metric modules. Each throws with the argument's name in the message,
// so a caller sees which of several inputs was wrong, not just that something was.

/** Throws a RangeError unless `value` is an integer >= `min`. */
export function checkInteger(name: string, value: number, min = 0): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
}

/** Throws a RangeError unless `value` is a finite number. */
export function checkFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number, got ${value}`);
  }
}

/** Throws a RangeError unless two arrays that describe the same pixels have the same length. */
export function checkSameLength(nameA: string, a: ArrayLike<unknown>, nameB: string, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) {
    throw new RangeError(`${nameA} has length ${a.length} but ${nameB} has length ${b.length}`);
  }
}
