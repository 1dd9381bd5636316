/** An error caused by the user's input: the CLI prints its message as one line, without a stack trace. */
export class UserError extends Error {
  override readonly name = "UserError";
}

/** Parses a strictly positive integer option, naming the option in the error. */
export function parsePositiveInt(text: string, option: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UserError(`${option}: expected a positive integer, got "${text}"`);
  }
  if (n > max) throw new UserError(`${option}: ${n} is beyond the limit of ${max}`);
  return n;
}

/** Parses a strictly positive finite number option. */
export function parsePositiveNumber(text: string, option: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UserError(`${option}: expected a positive number, got "${text}"`);
  }
  return n;
}
