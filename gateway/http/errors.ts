/** Errors with stable codes: clients branch on `code`, people read `message`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode: number,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const Errors = {
  unauthenticated: () => new ApiError('TW_UNAUTHENTICATED', 'log in first', 401),
  badCredentials: () => new ApiError('TW_BAD_CREDENTIALS', 'wrong username or password', 401),
  forbidden: (what: string) => new ApiError('TW_FORBIDDEN', `your role may not ${what}`, 403),
  invalid: (issues: string[]) => new ApiError('TW_INVALID', issues.join('; '), 400, issues),
  notFound: (what: string) => new ApiError('TW_NOT_FOUND', `${what} not found`, 404),
};
