// An error the user caused or can act on. `code` is an i18n key under
// "errors."; routes turn it into a message in the user's language.
export class UserError extends Error {
  constructor(
    public readonly code: string,
    public readonly params: Record<string, string | number> = {},
    public readonly status = 400,
  ) {
    super(code);
    this.name = "UserError";
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}
