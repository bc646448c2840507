/**
 * An invalid setting. `setting` names the option or variable at fault, `problem` says what is wrong
 * with it (never a secret's value); the message is both, in one line.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(
    readonly setting: string,
    readonly problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}
